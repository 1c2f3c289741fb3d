// switchboard/switchboard.hpp: the whole public networking API in one include.
// (The account store, which needs libsodium and SQLite, is included on its own.)
#pragma once

#include "switchboard/client_registry.hpp"
#include "switchboard/console.hpp"
#include "switchboard/error.hpp"
#include "switchboard/handler.hpp"
#include "switchboard/line_reader.hpp"
#include "switchboard/log.hpp"
#include "switchboard/options.hpp"
#include "switchboard/payload.hpp"
#include "switchboard/process.hpp"
#include "switchboard/server.hpp"
#include "switchboard/session.hpp"
#include "switchboard/version.hpp"
