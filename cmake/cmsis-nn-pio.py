# PlatformIO post-script (platformio.ini, every env; post: after build_flags, so the clone below has -mcpu/-mfpu): builds CMSIS-NN v7.0.0 the way cmake/cmsis-nn.cmake does.
# lib_deps fetches the pinned tag; the library has no library.json, and PlatformIO's default for such a library
# would compile its whole tree (Tests/, Examples/ too), so lib_ignore keeps the dependency finder off it and this
# script compiles Source/*/*.c and adds Include/ instead. No CMSIS-Core: 7.0.0 takes its intrinsics from the
# compiler's arm_acle.h (cmake/cmsis-nn.cmake, firmware/nn/INT8.md).
import glob
import os

Import("env")  # noqa: F821 (provided by PlatformIO/SCons)

libdeps = env.subst("$PROJECT_LIBDEPS_DIR/$PIOENV")  # noqa: F821
roots = [path for path in glob.glob(os.path.join(libdeps, "*")) if os.path.isfile(os.path.join(path, "Include", "arm_nnfunctions.h"))]
if not roots:
    raise SystemExit("cmsis-nn-pio.py: CMSIS-NN (lib_deps, tag v7.0.0) is not installed in %s; run `pio pkg install -e %s`" % (libdeps, env.subst("$PIOENV")))  # noqa: F821
root = roots[0]
env.Append(CPPPATH=[os.path.join(root, "Include")])  # noqa: F821
# Upstream code, upstream warnings (-w), as in the CMake build; ours keep -Werror.
cmsis = env.Clone()  # noqa: F821
cmsis.Append(CCFLAGS=["-w"])
library = cmsis.BuildLibrary("$BUILD_DIR/cmsis-nn", root, src_filter="-<*> +<Source/*/*.c>")
env.Append(LIBS=[library])  # noqa: F821
