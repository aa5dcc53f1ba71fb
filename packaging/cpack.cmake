# Packages for the fleet: a tarball, a Debian package and an RPM from the install rules
# above (binary, man page, completions, templates/, the example rollout file, README and
# licence). Included last by the top-level CMakeLists.txt; `cpack` in the build folder makes
# them, `cpack -G DEB` (or RPM, TGZ) one of them. scripts/test-packaging.sh checks all three.
set(CPACK_PACKAGE_NAME aigw-setup)
set(CPACK_PACKAGE_VENDOR "aigw-setup")
set(CPACK_PACKAGE_CONTACT "aigw-setup maintainers <maintainers@aigw-setup.invalid>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "Route coding agents (Claude Code, Codex CLI, Gemini CLI, Cursor) through a Databricks AI Gateway")
set(CPACK_PACKAGE_FILE_NAME
    "aigw-setup-${PROJECT_VERSION}-${CMAKE_SYSTEM_NAME}-${CMAKE_SYSTEM_PROCESSOR}")
set(CPACK_RESOURCE_FILE_README ${CMAKE_SOURCE_DIR}/README.md)
set(CPACK_RESOURCE_FILE_LICENSE ${CMAKE_SOURCE_DIR}/packaging/LICENSE)
set(CPACK_STRIP_FILES ON)

# The RPM generator needs rpmbuild (Debian's `rpm` package, from
# scripts/install-packaging-deps.sh); without it `cpack` still makes the other two.
find_program(AIGW_RPMBUILD rpmbuild)
set(CPACK_GENERATOR TGZ DEB)
if(AIGW_RPMBUILD)
  list(APPEND CPACK_GENERATOR RPM)
endif()

# The Debian package names the shared libraries the binary links, as dpkg-shlibdeps finds
# them, so apt pulls in libcurl, libsqlite3, libyaml-cpp, zlib, brotli, OpenSSL and
# libprotobuf (libprotobuf32 on Debian 12; scripts/test-packaging.sh checks each one).
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION devel)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)

# The RPM asks for the same libraries by soname (libprotobuf.so.32 among them), as
# rpmbuild's own dependency scan finds them (AutoReqProv), so it installs on any
# distribution that has them under any name.
set(CPACK_RPM_FILE_NAME RPM-DEFAULT)
set(CPACK_RPM_PACKAGE_LICENSE MIT)
set(CPACK_RPM_PACKAGE_GROUP "Development/Tools")
set(CPACK_RPM_PACKAGE_AUTOREQPROV ON)
# Folders that the filesystem, bash-completion, zsh and fish packages own: listing them in
# %files would make this package claim them too, and conflict with those packages.
set(CPACK_RPM_EXCLUDE_FROM_AUTO_FILELIST_ADDITION
    /usr/share/man /usr/share/man/man1
    /usr/share/bash-completion /usr/share/bash-completion/completions
    /usr/share/zsh /usr/share/zsh/site-functions
    /usr/share/fish /usr/share/fish/vendor_completions.d)
# No /usr/lib/.build-id links: they serve debuginfo packages, and the binary is stripped.
set(CPACK_RPM_SPEC_MORE_DEFINE "%define _build_id_links none")

include(CPack)
