# Explicit source list of the aigw_core library (everything but main.cpp).
set(AIGW_SOURCES
  src/util/log.cpp
  src/cli/app.cpp
  src/config/document.cpp
  src/config/json_document.cpp
  src/config/toml_document.cpp
  src/config/dotenv_document.cpp
)
