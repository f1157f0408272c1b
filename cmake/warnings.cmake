# Warnings are errors in the project's own code (not in third-party headers).
function(mailsift_warnings target)
  target_compile_options(${target} PRIVATE
    -Wall -Wextra -Werror -Wshadow -Wnon-virtual-dtor -Wold-style-cast
    -Wcast-align -Wunused -Woverloaded-virtual -Wpedantic -Wconversion
    -Wsign-conversion -Wdouble-promotion -Wformat=2 -Wimplicit-fallthrough)
  # -Wnull-dereference is left out: at -O2 GCC 12 reports false positives inside
  # libstdc++ code inlined from CLI11's headers.
endfunction()
