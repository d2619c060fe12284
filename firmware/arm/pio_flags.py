# PlatformIO post-script (after build_flags are parsed) for the STM32 envs (platformio.ini): the float ABI and
# FPU flags must reach the linker too, or it picks the soft-float newlib
# multilib and fails on mixed ABIs. PlatformIO passes build_flags' -m options
# to the compiler only, so copy them to LINKFLAGS.
Import("env")  # noqa: F821 (provided by PlatformIO/SCons)

cpu_flags = [f for f in env.get("CCFLAGS", []) if isinstance(f, str) and f.startswith(("-mfpu=", "-mfloat-abi="))]  # noqa: F821
env.Append(LINKFLAGS=cpu_flags)  # noqa: F821
