# Warnings are errors in the project's own code (not in third-party headers).
function(mailsift_warnings target)
  target_compile_options(${target} PRIVATE
    -Wall -Wextra -Werror -Wshadow -Wnon-virtual-dtor -Wold-style-cast
    -Wcast-align -Wunused -Woverloaded-virtual -Wpedantic -Wconversion
    -Wsign-conversion -Wdouble-promotion -Wformat=2 -Wimplicit-fallthrough)
  # -Wnull-dereference is left out: at -O2 GCC 12 reports false positives inside
  # libstdc++ code inlined from CLI11's headers.
  # -Wrestrict is off: at -O3 (Release) GCC 12 reports false positives inside
  # libstdc++'s std::string (GCC bug 105329).
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    target_compile_options(${target} PRIVATE -Wno-restrict)
  endif()
endfunction()
