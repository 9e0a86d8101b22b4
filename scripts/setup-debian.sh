#!/usr/bin/env bash
# Installs everything swathgrid needs on Debian 12 (run as root), then builds an
# OpenMP-enabled Kokkos from Debian's trilinos source package into .deps/kokkos
# (cached: done once). Falls back to Debian's Serial-only libtrilinos-kokkos-dev.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
prefix="$root/.deps/kokkos"
export DEBIAN_FRONTEND=noninteractive

packages=(
  build-essential cmake pkg-config git
  openmpi-bin libopenmpi-dev
  libhdf5-dev libhdf5-openmpi-dev hdf5-tools libdeflate-dev libisal-dev
  libpnetcdf-dev pnetcdf-bin libnetcdf-mpi-dev
  libproj-dev proj-bin
  libgdal-dev gdal-bin python3-gdal
  libboost-program-options-dev nlohmann-json3-dev zlib1g-dev
  libgtest-dev libbenchmark-dev
  libtrilinos-kokkos-dev
  netcdf-bin python3-xarray python3-netcdf4 python3-h5netcdf python3-numpy
  python3-dask python3-distributed python3-matplotlib
  slurm-wlm munge strace
  dpkg-dev
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${#missing[@]} Debian packages: ${missing[*]}"
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [[ -f "$prefix/.complete" ]]; then
  echo "setup: OpenMP Kokkos already built in $prefix"
  exit 0
fi

build_kokkos() {
  local work
  work=$(mktemp -d)
  trap 'rm -rf "$work"' RETURN
  if ! grep -rqs "deb-src" /etc/apt/sources.list /etc/apt/sources.list.d/; then
    cat >/etc/apt/sources.list.d/swathgrid-deb-src.sources <<'SRC'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
    apt-get update -qq
  fi
  (cd "$work" && apt-get source --download-only -qq trilinos >/dev/null) || return 1
  local tarball
  tarball=$(ls "$work"/trilinos_*.orig.tar.* | head -n 1) || return 1
  echo "setup: extracting packages/kokkos from $(basename "$tarball")"
  tar -xf "$tarball" -C "$work" --wildcards '*/packages/kokkos/*' || return 1
  local src
  src=$(ls -d "$work"/*/packages/kokkos | head -n 1)
  cmake -S "$src" -B "$work/build" -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_INSTALL_PREFIX="$prefix" -DKokkos_ENABLE_SERIAL=ON -DKokkos_ENABLE_OPENMP=ON \
    -DKokkos_ENABLE_TESTS=OFF -DBUILD_SHARED_LIBS=OFF -DCMAKE_POSITION_INDEPENDENT_CODE=ON >/dev/null || return 1
  cmake --build "$work/build" -j "$(nproc)" >/dev/null || return 1
  cmake --install "$work/build" >/dev/null || return 1
  touch "$prefix/.complete"
}

echo "setup: building OpenMP-enabled Kokkos from Debian's trilinos source into $prefix"
if build_kokkos; then
  echo "setup: Kokkos (OpenMP) installed in $prefix"
else
  rm -rf "$prefix"
  echo "setup: NOTICE: could not build Kokkos from the trilinos source package;" \
    "falling back to Debian's Serial-only libtrilinos-kokkos-dev (one thread per rank)."
fi
