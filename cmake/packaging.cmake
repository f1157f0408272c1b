# Installation (cmake --install) and the Debian package (cpack, in the build directory).
#
#   bin/mailsift, bin/mailsift-formail
#   share/man/man1/mailsift.1, share/man/man1/mailsift-formail.1, share/man/man5/mailsiftrc.5
#   share/doc/mailsift/README.md
#   share/doc/mailsift/examples/   the rcfiles of rules-examples/, each with its test
#                                  messages (examples/tests/NAME/), and quickstart.eml
#
# The package (mailsift_VERSION_ARCH.deb) installs under /usr. It is what the mail
# server tests install (tests/mta/README.md). libmagic is loaded with dlopen when a
# rule first asks for a sniffed type, so dpkg-shlibdeps cannot see it: it is named.
include(GNUInstallDirs)
install(TARGETS mailsift mailsift-formail RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(FILES man/mailsift.1 man/mailsift-formail.1 DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
install(FILES man/mailsiftrc.5 DESTINATION ${CMAKE_INSTALL_MANDIR}/man5)
install(FILES README.md DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(DIRECTORY rules-examples/ DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME mailsift)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "mailsift developers <mailsift@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "mail delivery agent and filter, a drop-in successor to procmail")
set(CPACK_PACKAGE_DESCRIPTION
    "mailsift reads procmailrc rules, matches them against each incoming message and\n"
    "delivers it into maildir, mbox or MH folders, to programs, or forwards it. It\n"
    "exits 0 only once the message is stored, and 75 for the mail server to retry.")
string(JOIN "" CPACK_PACKAGE_DESCRIPTION ${CPACK_PACKAGE_DESCRIPTION})
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION mail)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "libmagic1 | libmagic1t64")
set(CPACK_PACKAGE_DIRECTORY ${PROJECT_BINARY_DIR}/package)
include(CPack)
