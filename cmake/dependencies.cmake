# Everything comes from Debian packages; nothing is downloaded at build time.
find_package(PkgConfig REQUIRED)
pkg_check_modules(RE2 REQUIRED IMPORTED_TARGET re2)
add_library(re2::re2 ALIAS PkgConfig::RE2)
find_package(CLI11 REQUIRED CONFIG)
if(MAILSIFT_TESTS)
  find_package(GTest REQUIRED)
endif()
# libmagic is on the design card; nothing links it until a rule asks for it.
