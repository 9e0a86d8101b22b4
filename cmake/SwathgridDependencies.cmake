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

# One HDF5 for the whole program: the parallel (MPI) build, which reads the granules and, under
# netCDF-C, writes NetCDF-4 in parallel. GDAL's plugin brings Debian's serial HDF5 and netCDF
# into the same process: Debian versions their symbols (HDF5_MPI_* / HDF5_SERIAL_*,
# NETCDF_MPI_* / Base), so each library binds to its own (docs/architecture.md).
set(HDF5_PREFER_PARALLEL TRUE)
find_package(HDF5 COMPONENTS C HL)
if(NOT HDF5_FOUND OR NOT HDF5_IS_PARALLEL)
  swathgrid_missing("parallel HDF5 (C and high-level API, MPI build; a build directory configured with a serial HDF5 before must be configured afresh)" "libhdf5-openmpi-dev")
endif()
set_package_properties(HDF5 PROPERTIES TYPE REQUIRED
                       PURPOSE "reads L2 granules, writes NetCDF-4 in parallel under netCDF-C")
if(NOT TARGET swathgrid::hdf5)
  add_library(swathgrid::hdf5 INTERFACE IMPORTED)
  target_include_directories(swathgrid::hdf5 INTERFACE ${HDF5_INCLUDE_DIRS})
  target_link_libraries(swathgrid::hdf5 INTERFACE ${HDF5_HL_LIBRARIES} ${HDF5_C_LIBRARIES} MPI::MPI_C)
  target_compile_definitions(swathgrid::hdf5 INTERFACE ${HDF5_DEFINITIONS})
endif()

find_package(PkgConfig)
if(PkgConfig_FOUND)
  pkg_check_modules(PNETCDF IMPORTED_TARGET pnetcdf)
endif()
if(NOT PNETCDF_FOUND)
  swathgrid_missing("PnetCDF (pkg-config module pnetcdf)" "libpnetcdf-dev")
endif()
add_feature_info(PnetCDF PNETCDF_FOUND
                 "writes the classic composite (version ${PNETCDF_VERSION})")

# netCDF-C built on parallel HDF5 (Debian's netcdf-mpi module; Spack's netcdf-c+mpi: netcdf).
if(PkgConfig_FOUND)
  pkg_check_modules(NETCDF_PAR IMPORTED_TARGET netcdf-mpi)
  set(NETCDF_PAR_MODULE_NAME netcdf-mpi)
  if(NOT NETCDF_PAR_FOUND)
    pkg_check_modules(NETCDF_PAR IMPORTED_TARGET netcdf)
    set(NETCDF_PAR_MODULE_NAME netcdf)
  endif()
endif()
if(NOT NETCDF_PAR_FOUND)
  swathgrid_missing("netCDF-C with parallel HDF5 (pkg-config module netcdf-mpi)"
                    "libnetcdf-mpi-dev")
endif()
# netcdf_par.h exists only in a parallel build. Debian's netcdf-mpi.pc names /usr/include (the
# serial build's headers); the parallel build's own are under its prefix: put them first.
pkg_get_variable(SWATHGRID_NETCDF_PAR_PREFIX ${NETCDF_PAR_MODULE_NAME} prefix)
find_path(SWATHGRID_NETCDF_PAR_INCLUDE netcdf_par.h
          HINTS "${SWATHGRID_NETCDF_PAR_PREFIX}/include" ${NETCDF_PAR_INCLUDE_DIRS})
if(NOT SWATHGRID_NETCDF_PAR_INCLUDE)
  swathgrid_missing("netCDF-C with parallel I/O (netcdf_par.h)" "libnetcdf-mpi-dev")
endif()
set_property(TARGET PkgConfig::NETCDF_PAR PROPERTY INTERFACE_INCLUDE_DIRECTORIES
             "${SWATHGRID_NETCDF_PAR_INCLUDE}" ${NETCDF_PAR_INCLUDE_DIRS})
add_feature_info(netCDF-C NETCDF_PAR_FOUND
                 "writes the NetCDF-4 composite in parallel (version ${NETCDF_PAR_VERSION})")

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
# Optional, with libdeflate: ISA-L's igzip compresses the output's chunks at deflate level 1
# (src/output/fast_deflate.cpp); without it libdeflate does, with the same values read back.
if(SWATHGRID_ENABLE_ISAL AND LIBDEFLATE_FOUND)
  pkg_check_modules(ISAL IMPORTED_TARGET libisal)
endif()
add_feature_info(isa-l ISAL_FOUND
                 "output chunks deflated at level 1 by ISA-L's igzip (optional: libisal-dev)")
# OpenMP threads inflate chunks in parallel (Kokkos' OpenMP backend brings it too).
find_package(OpenMP COMPONENTS CXX)

find_package(nlohmann_json 3 CONFIG)
if(NOT nlohmann_json_FOUND)
  swathgrid_missing("nlohmann-json" "nlohmann-json3-dev")
endif()
set_package_properties(nlohmann_json PROPERTIES TYPE REQUIRED PURPOSE "the --report JSON")

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
