#!/usr/bin/env bash
# Compiles every variant listed in Shaders.props to spv/<name>.spv and validates each with spirv-val.
# Needs glslc (shaderc) and spirv-val (SPIRV-Tools). Run from anywhere; exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")"
mkdir -p spv
count=0
while IFS= read -r line; do
    name=$(printf '%s\n' "$line" | sed -n 's/.*Include="\([^"]*\)".*/\1/p')
    src=$(printf '%s\n' "$line" | sed -n 's/.*Source="\([^"]*\)".*/\1/p')
    defs=$(printf '%s\n' "$line" | sed -n 's/.*Defines="\([^"]*\)".*/\1/p')
    [ -n "$name" ] && [ -n "$src" ] || { echo "compile.sh: cannot parse: $line" >&2; exit 1; }
    # $defs is unquoted on purpose: zero or more -D flags
    glslc -fshader-stage=compute --target-env=vulkan1.2 -O $defs "$src" -o "spv/$name.spv"
    spirv-val --target-env vulkan1.2 "spv/$name.spv"
    count=$((count + 1))
done < <(grep '<VulkanShader ' Shaders.props)
echo "compile.sh: $count shaders compiled and validated"
