# Finds the eight dependencies through their own packages/targets. A missing one stops the
# configure with a message naming the package and the Debian package that provides it.

macro(swathgrid_missing what debian)
  message(FATAL_ERROR "swathgrid: required dependency ${what} not found. "
                      "On Debian 12 install ${debian} (scripts/setup-debian.sh does it), "
                      "or activate the Spack environment (spack.yaml).")
endmacro()

find_package(MPI COMPONENTS C CXX)
if(NOT MPI_CXX_FOUND)
  swathgrid_missing("MPI" "libopenmpi-dev openmpi-bin")
endif()
set_package_properties(MPI PROPERTIES TYPE REQUIRED PURPOSE "ranks partition the granules")

find_package(HDF5 COMPONENTS C HL)
if(NOT HDF5_FOUND)
  swathgrid_missing("HDF5 (C and high-level API)" "libhdf5-dev")
endif()
set_package_properties(HDF5 PROPERTIES TYPE REQUIRED PURPOSE "reads L2 granules")
if(NOT TARGET swathgrid::hdf5)
  add_library(swathgrid::hdf5 INTERFACE IMPORTED)
  target_include_directories(swathgrid::hdf5 INTERFACE ${HDF5_INCLUDE_DIRS})
  target_link_libraries(swathgrid::hdf5 INTERFACE ${HDF5_HL_LIBRARIES} ${HDF5_C_LIBRARIES})
  target_compile_definitions(swathgrid::hdf5 INTERFACE ${HDF5_DEFINITIONS})
endif()

find_package(PkgConfig)
if(PkgConfig_FOUND)
  pkg_check_modules(PNETCDF IMPORTED_TARGET pnetcdf)
endif()
if(NOT PNETCDF_FOUND)
  swathgrid_missing("PnetCDF (pkg-config module pnetcdf)" "libpnetcdf-dev")
endif()
add_feature_info(PnetCDF PNETCDF_FOUND "writes the composite (version ${PNETCDF_VERSION})")

find_package(PROJ CONFIG)
if(NOT PROJ_FOUND)
  swathgrid_missing("PROJ" "libproj-dev")
endif()
set_package_properties(PROJ PROPERTIES TYPE REQUIRED PURPOSE "map projections of the grid")

find_package(GDAL CONFIG)
if(NOT GDAL_FOUND)
  find_package(GDAL MODULE)
endif()
if(NOT GDAL_FOUND)
  swathgrid_missing("GDAL" "libgdal-dev")
endif()
set_package_properties(GDAL PROPERTIES TYPE REQUIRED PURPOSE "warp method, GeoTIFF/PNG output")

find_package(Kokkos CONFIG)
if(NOT Kokkos_FOUND)
  swathgrid_missing("Kokkos" "libtrilinos-kokkos-dev (or build .deps/kokkos with scripts/setup-debian.sh)")
endif()
set_package_properties(Kokkos PROPERTIES TYPE REQUIRED PURPOSE "regrid kernels")
if(Kokkos_ENABLE_OPENMP OR Kokkos_DEVICES MATCHES "OPENMP")
  set(SWATHGRID_KOKKOS_BACKEND "OpenMP")
else()
  set(SWATHGRID_KOKKOS_BACKEND "Serial or other (${Kokkos_DEVICES})")
endif()
message(STATUS "swathgrid: Kokkos ${Kokkos_VERSION} from ${Kokkos_DIR}, devices: ${Kokkos_DEVICES}")

# Optional: libdeflate for direct chunk reads (src/input/chunk_reader.hpp); without it HDF5's own
# filter pipeline (zlib) reads everything, with the same results.
if(SWATHGRID_ENABLE_LIBDEFLATE AND PkgConfig_FOUND)
  pkg_check_modules(LIBDEFLATE IMPORTED_TARGET libdeflate)
endif()
add_feature_info(libdeflate LIBDEFLATE_FOUND
                 "direct chunk reads inflated with libdeflate (optional: libdeflate-dev)")
# OpenMP threads inflate chunks in parallel (Kokkos' OpenMP backend brings it too).
find_package(OpenMP COMPONENTS CXX)

find_package(Boost COMPONENTS program_options)
if(NOT Boost_PROGRAM_OPTIONS_FOUND)
  swathgrid_missing("Boost.Program_options" "libboost-program-options-dev")
endif()
set_package_properties(Boost PROPERTIES TYPE REQUIRED PURPOSE "command-line options")

if(SWATHGRID_ENABLE_TESTS)
  find_package(GTest)
  if(NOT GTest_FOUND)
    swathgrid_missing("GoogleTest" "libgtest-dev")
  endif()
  set_package_properties(GTest PROPERTIES TYPE REQUIRED PURPOSE "unit and MPI tests")
endif()
