# Everything comes from Debian packages; nothing is downloaded at build time.
find_package(PkgConfig REQUIRED)
pkg_check_modules(RE2 REQUIRED IMPORTED_TARGET re2)
# Debian's libre2-dev also ships libre2.a (RE2 2022-06: it needs only libstdc++ and
# pthreads, no abseil). A target with the property MAILSIFT_STATIC_RE2 set links the
# archive; every other one (the libraries, the tests) links the shared library.
find_library(MAILSIFT_RE2_ARCHIVE NAMES libre2.a HINTS ${RE2_LIBDIR} ${RE2_LIBRARY_DIRS})
set(mailsift_static_re2 "$<BOOL:$<TARGET_PROPERTY:MAILSIFT_STATIC_RE2>>")
add_library(mailsift_re2 INTERFACE)
target_link_libraries(mailsift_re2 INTERFACE
  "$<$<NOT:${mailsift_static_re2}>:PkgConfig::RE2>"
  "$<${mailsift_static_re2}:${MAILSIFT_RE2_ARCHIVE}>")
target_compile_options(mailsift_re2 INTERFACE ${RE2_CFLAGS_OTHER})
add_library(re2::re2 ALIAS mailsift_re2)

# mailsift runs once per message, so its start-up counts: with libstdc++, libgcc_s and
# libre2 shared, the dynamic loader alone executed about 1.2 million instructions per
# run (relocations and symbol look-ups), more than procmail's whole run with 10
# rules. Linking them into the executable leaves the loader little but libc and libm.
# Not in sanitizer or fuzzing builds: their runtimes replace malloc and operator new,
# which a static libstdc++ would bring along too.
option(MAILSIFT_STATIC_RUNTIME "Link libstdc++, libgcc and RE2 into the mailsift executable" ON)
function(mailsift_link_runtime_statically target)
  if(NOT MAILSIFT_STATIC_RUNTIME OR MAILSIFT_SANITIZE OR MAILSIFT_FUZZ)
    return()
  endif()
  target_link_options(${target} PRIVATE -static-libstdc++ -static-libgcc)
  if(MAILSIFT_RE2_ARCHIVE)
    set_target_properties(${target} PROPERTIES MAILSIFT_STATIC_RE2 ON)
  endif()
endfunction()
find_package(CLI11 REQUIRED CONFIG)
if(MAILSIFT_TESTS)
  find_package(GTest REQUIRED)
endif()
# libmagic (libmagic-dev: magic.h, and libmagic1) is loaded with dlopen when a rule first
# asks for a sniffed type (src/message/mime/libmagic_sniffer.cc): a delivery that does not
# sniff pays nothing for it at start-up.
