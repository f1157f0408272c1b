# libFuzzer targets (tests/fuzz/, run by tests/fuzz/run.sh). With MAILSIFT_FUZZ=ON
# every library is built with coverage instrumentation for libFuzzer plus ASan and
# UBSan, and mailsift_fuzz_targets() adds one executable per tests/fuzz/*_fuzz.cc.
# libFuzzer comes with clang only (Debian: clang and libclang-rt-dev).
option(MAILSIFT_FUZZ "Build the libFuzzer targets (clang only)" OFF)

if(MAILSIFT_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR
      "MAILSIFT_FUZZ needs clang (libFuzzer is part of clang), but the C++ compiler is "
      "${CMAKE_CXX_COMPILER_ID} (${CMAKE_CXX_COMPILER}). Configure a fresh build directory "
      "with -DCMAKE_CXX_COMPILER=clang++, as tests/fuzz/run.sh does.")
  endif()
  # Undefined behaviour must stop the run like a crash does, so libFuzzer keeps the
  # input that caused it.
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer
                      -fno-sanitize-recover=all)
  add_link_options(-fsanitize=address,undefined)
endif()

function(mailsift_fuzz_targets)
  if(NOT MAILSIFT_FUZZ)
    return()
  endif()
  file(GLOB sources CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/tests/fuzz/*_fuzz.cc)
  foreach(source ${sources})
    get_filename_component(name ${source} NAME_WE)
    add_executable(${name} ${source})
    # The engine library brings every layer below it; the linker keeps what is used.
    target_link_libraries(${name} PRIVATE mailsift_lmtp mailsift_engine mailsift_formail)
    target_link_options(${name} PRIVATE -fsanitize=fuzzer)
    mailsift_warnings(${name})
  endforeach()
  add_custom_target(fuzz_targets)
  foreach(source ${sources})
    get_filename_component(name ${source} NAME_WE)
    add_dependencies(fuzz_targets ${name})
  endforeach()
endfunction()
