# Cross-compiles the agent for 64-bit Arm Linux (OP-TEE under qemu-system-aarch64, a Pi 3B) with Debian's
# gcc-aarch64-linux-gnu. RTINFER_ARM64_ROOT, the sysroot, is a folder of Debian arm64 packages unpacked with
# dpkg -x (libc6-dev + libc6 + linux-libc-dev, optee-client-dev + libteec1, libmosquitto-dev + libmosquitto1,
# libmbedtls-dev + libmbedcrypto7, libssl3), as scripts/optee/normal-world.sh makes it: the agent is compiled
# against the very libraries the target runs, and no cross libc package is needed on the host.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_LIBRARY_ARCHITECTURE aarch64-linux-gnu)
# try_compile projects re-read this file: hand them the root.
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES RTINFER_ARM64_ROOT)
if(NOT RTINFER_ARM64_ROOT)
  message(FATAL_ERROR "toolchain-aarch64-linux-gnu.cmake: set -DRTINFER_ARM64_ROOT=<Debian arm64 packages unpacked with dpkg -x>")
endif()
set(CMAKE_SYSROOT ${RTINFER_ARM64_ROOT})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
# libmosquitto.so needs libssl.so.3 and libcrypto.so.3: let the linker find them in the unpacked packages.
set(CMAKE_EXE_LINKER_FLAGS_INIT "-Wl,-rpath-link,${RTINFER_ARM64_ROOT}/usr/lib/aarch64-linux-gnu")
