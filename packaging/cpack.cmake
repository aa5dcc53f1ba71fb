# Packages for the fleet: a tarball and a Debian package from the install rules above.
# Included last by the top-level CMakeLists.txt; `cpack` in the build folder makes them.
set(CPACK_PACKAGE_NAME aigw-setup)
set(CPACK_PACKAGE_VENDOR "aigw-setup")
set(CPACK_PACKAGE_CONTACT "aigw-setup maintainers <maintainers@aigw-setup.invalid>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "Route coding agents (Claude Code, Codex CLI, Gemini CLI, Cursor) through a Databricks AI Gateway")
set(CPACK_PACKAGE_FILE_NAME
    "aigw-setup-${PROJECT_VERSION}-${CMAKE_SYSTEM_NAME}-${CMAKE_SYSTEM_PROCESSOR}")
set(CPACK_RESOURCE_FILE_README ${CMAKE_SOURCE_DIR}/README.md)
set(CPACK_GENERATOR TGZ DEB)
set(CPACK_STRIP_FILES ON)

# The Debian package names the shared libraries the binary links, as dpkg-shlibdeps finds
# them, so apt pulls in libcurl, libsqlite3, libyaml-cpp, cpp-httplib and OpenSSL.
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION devel)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)

include(CPack)
