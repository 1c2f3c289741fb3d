// switchboard/version.hpp: library and wire-protocol versions.
#pragma once

namespace switchboard {

inline constexpr int version_major = 0;
inline constexpr int version_minor = 1;
inline constexpr int version_patch = 0;
inline constexpr const char* version_string = "0.1.0";

// The wire protocol this library's servers speak (PROTOCOL.md, "version 1").
inline constexpr int protocol_version = 1;

}  // namespace switchboard
