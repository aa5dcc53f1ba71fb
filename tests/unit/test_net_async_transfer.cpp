// SPDX-License-Identifier: MIT
#include "net/async_transfer.hpp"
