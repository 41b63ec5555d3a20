# Shared by the scripts: system packages the build needs, installed only when missing.
# Debian names; apt-get needs root (CI and the developer machines run as root).
DCNBENCH_APT_PACKAGES=(pkg-config libhwloc-dev libsqlite3-dev)

ensure_system_packages() { ensure_packages "${DCNBENCH_APT_PACKAGES[@]}"; }

# ensure_packages NAME...: the Debian packages named, installed where missing.
ensure_packages() {
  local missing=()
  for pkg in "$@"; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
  done
  if ((${#missing[@]})); then
    echo "installing system packages: ${missing[*]}" >&2
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}
