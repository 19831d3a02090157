# packaging.cmake -- what `make install` / `cmake --install` installs and
# the .deb CPack builds from it (docs/deploy.md, "Packages"):
#
#   bin/medstream                                the program
#   share/man/man1/medstream.1, man5/medstream.ini.5   generated (ms_docs)
#   share/bash-completion/completions/medstream  generated (ms_docs)
#   share/medstream/examples/*.pdf               the demo's samples (generated)
#   share/doc/medstream/                         README.md and docs/
#   /etc/medstream/*.ini                         the profiles (configs/), conffiles
#   lib/systemd/system/medstream.service         when deploy/systemd/ has it
#
# The generated files are written by running the freshly built binary, so
# they always match its commands and key table.
include(GNUInstallDirs)

set(MS_INSTALL_CONFDIR "/etc/medstream" CACHE PATH
    "Where the profiles (configs/*.ini) are installed; absolute, outside the prefix")

set(MS_GEN ${CMAKE_BINARY_DIR}/share)
# Sanitizer builds run the binary here too; a leak report must not fail it.
set(MS_RUN_BIN ${CMAKE_COMMAND} -E env ASAN_OPTIONS=detect_leaks=0)
set(MS_MAN_PAGES ${MS_GEN}/man/medstream.1 ${MS_GEN}/man/medstream.ini.5)
foreach(page medstream.1 medstream.ini.5)
  add_custom_command(OUTPUT ${MS_GEN}/man/${page}
    COMMAND ${MS_RUN_BIN} ${CMAKE_COMMAND} -DBIN=$<TARGET_FILE:medstream>
            -DIN=${CMAKE_CURRENT_SOURCE_DIR}/docs/man/${page}.in -DOUT=${MS_GEN}/man/${page}
            -DVERSION=${PROJECT_VERSION} -P ${CMAKE_CURRENT_SOURCE_DIR}/cmake/manpage.cmake
    DEPENDS medstream ${CMAKE_CURRENT_SOURCE_DIR}/docs/man/${page}.in
            ${CMAKE_CURRENT_SOURCE_DIR}/cmake/manpage.cmake
    COMMENT "Generating man page ${page}"
    VERBATIM)
endforeach()
set(MS_COMPLETION ${MS_GEN}/bash-completion/medstream)
add_custom_command(OUTPUT ${MS_COMPLETION}
  COMMAND ${CMAKE_COMMAND} -E make_directory ${MS_GEN}/bash-completion
  COMMAND ${MS_RUN_BIN} ${CMAKE_COMMAND} -DBIN=$<TARGET_FILE:medstream> -DOUT=${MS_COMPLETION}
          -P ${CMAKE_CURRENT_SOURCE_DIR}/cmake/completion.cmake
  DEPENDS medstream ${CMAKE_CURRENT_SOURCE_DIR}/cmake/completion.cmake
  COMMENT "Generating the bash completion"
  VERBATIM)
# The demo's sample PDFs, made from examples/*.txt as `make samples` does.
file(GLOB MS_SAMPLE_TEXTS CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/examples/*.txt)
set(MS_SAMPLE_PDFS "")
foreach(txt ${MS_SAMPLE_TEXTS})
  get_filename_component(stem ${txt} NAME_WE)
  list(APPEND MS_SAMPLE_PDFS ${MS_GEN}/examples/${stem}.pdf)
endforeach()
add_custom_command(OUTPUT ${MS_SAMPLE_PDFS}
  COMMAND ${CMAKE_COMMAND} -E make_directory ${MS_GEN}/examples
  COMMAND ${CMAKE_COMMAND} -E copy ${MS_SAMPLE_TEXTS} ${MS_GEN}/examples/
  COMMAND ${MS_RUN_BIN} bash ${CMAKE_CURRENT_SOURCE_DIR}/scripts/make-samples.sh
          $<TARGET_FILE:medstream-mkpdf> ${MS_GEN}/examples
  DEPENDS medstream-mkpdf ${MS_SAMPLE_TEXTS} ${CMAKE_CURRENT_SOURCE_DIR}/scripts/make-samples.sh
  COMMENT "Generating the sample PDFs for the package"
  VERBATIM)
add_custom_target(ms_docs ALL DEPENDS ${MS_MAN_PAGES} ${MS_COMPLETION} ${MS_SAMPLE_PDFS})

install(TARGETS medstream RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(FILES ${MS_GEN}/man/medstream.1 DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
install(FILES ${MS_GEN}/man/medstream.ini.5 DESTINATION ${CMAKE_INSTALL_MANDIR}/man5)
install(FILES ${MS_COMPLETION} DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions)
install(FILES ${MS_SAMPLE_PDFS} DESTINATION ${CMAKE_INSTALL_DATADIR}/medstream/examples)
file(GLOB MS_DOC_FILES CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/docs/*.md
     ${CMAKE_CURRENT_SOURCE_DIR}/docs/*.json)
install(FILES README.md ${MS_DOC_FILES} DESTINATION ${CMAKE_INSTALL_DOCDIR})
file(GLOB MS_PROFILES CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/configs/*.ini)
install(FILES ${MS_PROFILES} DESTINATION ${MS_INSTALL_CONFDIR})
# The systemd unit (deploy/systemd/, issue 18's systemd part).
if(EXISTS ${CMAKE_CURRENT_SOURCE_DIR}/deploy/systemd/medstream.service)
  install(FILES deploy/systemd/medstream.service DESTINATION lib/systemd/system)
endif()

# ---- .deb (cd build && cpack -G DEB) -------------------------------------
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME medstream)
set(CPACK_PACKAGE_VENDOR "medstream")
set(CPACK_PACKAGE_CONTACT "medstream maintainers <medstream@example.invalid>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "stream processor turning clinical PDF reports into structured summaries")
set(CPACK_PACKAGE_DESCRIPTION "medstream reads clinical PDF reports from a directory, \
Kafka (Amazon MSK) or Kinesis, extracts their text with MuPDF, finds the medical entities \
(a local engine or Amazon Comprehend Medical) and delivers JSON summaries to files, S3, \
SNS or Kafka.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION misc)
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "https://github.com/medstream/medstream")
# Runtime dependencies from the binary's shared libraries (dpkg-shlibdeps);
# MuPDF and its private libraries are linked statically, their shared
# dependencies (harfbuzz, freetype, openjp2, ...) are found like the others.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "ca-certificates")
# The profiles are conffiles: an upgrade keeps the operator's edits.
set(MS_CONFFILES "")
foreach(ini ${MS_PROFILES})
  get_filename_component(name ${ini} NAME)
  string(APPEND MS_CONFFILES "${MS_INSTALL_CONFDIR}/${name}\n")
endforeach()
file(WRITE ${CMAKE_BINARY_DIR}/debian/conffiles "${MS_CONFFILES}")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA ${CMAKE_BINARY_DIR}/debian/conffiles)
include(CPack)
