# Explicit source list of the aigw_core library (everything but main.cpp).
set(AIGW_SOURCES
  src/util/log.cpp
  src/util/fs.cpp
  src/util/hash.cpp
  src/util/diff.cpp
  src/util/strings.cpp
  src/util/process.cpp
  src/util/secret.cpp
  src/config/document.cpp
  src/config/json_document.cpp
  src/config/toml_document.cpp
  src/config/dotenv_document.cpp
  src/config/file_lock.cpp
  src/config/safe_writer.cpp
  src/cli/app.cpp
)
