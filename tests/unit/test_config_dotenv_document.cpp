// SPDX-License-Identifier: MIT
#include <doctest/doctest.h>

#include "config/document.hpp"
