# Bad input (docs/reliability.md), included by tests/CMakeLists.txt: a corpus of damaged
# granules made by the tests themselves (bad_granules.cpp), checked by the reader's unit test,
# one command-line test per corpus granule and bad option value (exit code and one-line
# message), and --on-error skip under mpiexec -n 2 (the composite equals that of the good
# granules alone, byte for byte).

add_library(swathgrid_bad_corpus STATIC bad_granules.cpp)
target_link_libraries(swathgrid_bad_corpus PUBLIC swathgrid_core swathgrid_synth swathgrid::hdf5)
target_include_directories(swathgrid_bad_corpus PUBLIC "${CMAKE_CURRENT_SOURCE_DIR}")

swathgrid_unit_test(test_bad_inputs test_bad_inputs.cpp)
target_link_libraries(test_bad_inputs PRIVATE swathgrid_bad_corpus)
swathgrid_as_user_test(test_bad_inputs)

add_executable(make_bad_granules make_bad_granules.cpp)
target_link_libraries(make_bad_granules PRIVATE swathgrid_bad_corpus)

set(BAD_DIR "${CMAKE_CURRENT_BINARY_DIR}/bad-corpus")
set(BAD_E2E_LIST "${CMAKE_CURRENT_BINARY_DIR}/mpi/e2e/granules.txt")
set(BAD_MPI_ENV "OMPI_ALLOW_RUN_AS_ROOT=1;OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1;OMP_PROC_BIND=false")
add_test(NAME bad_corpus
  COMMAND sh -c "rm -rf '${BAD_DIR}' && '$<TARGET_FILE:make_bad_granules>' '${BAD_DIR}' \
'${BAD_E2E_LIST}'")
set_tests_properties(bad_corpus PROPERTIES FIXTURES_SETUP bad_corpus
  FIXTURES_REQUIRED e2e_granules LABELS cli)

# One test per damaged granule: exit code 1 and "granule <path>: <cause>" on one line.
foreach(entry IN ITEMS
    "truncated|truncated file"
    "empty|empty file"
    "not_hdf5|not a NetCDF4/HDF5 file"
    "bad_superblock|cannot open as NetCDF4/HDF5"
    "no_navigation|no group navigation_data"
    "no_chlor_a|no variable chlor_a"
    "no_latitude|no variable latitude"
    "text_chlor_a|variable geophysical_data/chlor_a is not numeric"
    "lon_shape|navigation_data/longitude has shape"
    "chlor_a_shape|variable geophysical_data/chlor_a has shape"
    "lat_1d|navigation_data/latitude has shape"
    "flags_shape|geophysical_data/l2_flags does not have the shape"
    "corrupt_chunk|cannot read variable geophysical_data/chlor_a"
    "huge_chunk|cannot read variable geophysical_data/chlor_a (truncated or corrupt file?): damaged chunk index (a chunk of 4294967165 bytes"
    "huge_latitude_chunk|cannot read variable navigation_data/latitude (truncated or corrupt file?): damaged chunk index (a chunk of 4294967165 bytes")
  string(REPLACE "|" ";" parts "${entry}")
  list(GET parts 0 name)
  list(GET parts 1 cause)
  swathgrid_cli_test(cli_bad_${name} 1 "${name}.nc: ${cause}"
                     -o ${BAD_DIR}/never.nc ${BAD_DIR}/${name}.nc)
  set_tests_properties(cli_bad_${name} PROPERTIES FIXTURES_REQUIRED bad_corpus)
endforeach()
# A period needs time_coverage_start; --period all does not.
swathgrid_cli_test(cli_bad_no_time 1 "no_time.nc: time_coverage_start"
                   --period day -o ${BAD_DIR}/never.nc ${BAD_DIR}/no_time.nc)
swathgrid_cli_test(cli_bad_bad_time 1 "bad_time.nc: time_coverage_start: time 'yesterday"
                   --period month -o ${BAD_DIR}/never.nc ${BAD_DIR}/bad_time.nc)
swathgrid_cli_test(cli_bad_time_period_all 0 "wrote"
                   --bbox -77,36,-73,41 -o ${BAD_DIR}/bad_time_all.nc ${BAD_DIR}/bad_time.nc)
# Odd but usable: an all-fill granule contributes nothing (and says so), invalid coordinates
# drop their pixels.
swathgrid_cli_test(cli_all_fill 0 "1 granule(s) with no valid value"
                   --bbox -77,36,-73,41 -o ${BAD_DIR}/all_fill_out.nc ${BAD_DIR}/all_fill.nc)
swathgrid_cli_test(cli_odd_coordinates 0 "wrote"
                   --bbox -77,36,-73,41 -o ${BAD_DIR}/odd_out.nc ${BAD_DIR}/odd_coordinates.nc)
# Options that need a readable granule.
swathgrid_cli_test(cli_unknown_flag_name 2 "--flags: unknown flag name 'NOPE'"
                   --flags LAND,NOPE -o ${BAD_DIR}/never.nc ${BAD_DIR}/good.nc)
swathgrid_cli_test(cli_unwritable_output_dir 1 "/nonexistent-dir/out.nc"
                   -o /nonexistent-dir/out.nc ${BAD_DIR}/good.nc)
swathgrid_cli_test(cli_output_under_a_file 1 "good.nc/out.nc"
                   -o ${BAD_DIR}/good.nc/out.nc ${BAD_DIR}/good.nc)
swathgrid_cli_test(cli_checkpoint_under_a_file 1 "--checkpoint ${BAD_DIR}/good.nc/ckpt"
                   --checkpoint ${BAD_DIR}/good.nc/ckpt -o ${BAD_DIR}/never.nc ${BAD_DIR}/good.nc)
swathgrid_cli_test(cli_skip_all_bad 1 "every granule failed"
                   --on-error skip -o ${BAD_DIR}/never.nc ${BAD_DIR}/empty.nc
                   ${BAD_DIR}/corrupt_chunk.nc)
foreach(name IN ITEMS bad_no_time bad_bad_time bad_time_period_all all_fill odd_coordinates
        unknown_flag_name unwritable_output_dir output_under_a_file checkpoint_under_a_file
        skip_all_bad)
  set_tests_properties(cli_${name} PROPERTIES FIXTURES_REQUIRED bad_corpus)
endforeach()

# Bad option values and lists (no granule needed: the options are checked first).
swathgrid_cli_test(cli_bbox_south_above_north 2 "--bbox" --bbox -10,5,10,-5 -o x.nc a.nc)
swathgrid_cli_test(cli_bbox_crs_west_above_east 2 "--bbox"
                   --crs EPSG:3413 --bbox-crs --bbox 100000,0,-100000,50000 -o x.nc a.nc)
swathgrid_cli_test(cli_bbox_not_numbers 2 "--bbox" --bbox a,b,c,d -o x.nc a.nc)
swathgrid_cli_test(cli_zero_res 2 "--res" --res 0 -o x.nc a.nc)
swathgrid_cli_test(cli_unknown_res_name 2 "--res" --res 3parsecs -o x.nc a.nc)
swathgrid_cli_test(cli_unknown_stdev_form 2 "--stdev: unknown form 'biased'"
                   --stdev biased -o x.nc a.nc)
swathgrid_cli_test(cli_sample_stdev_sqrt 2 "--stdev sample: --weight sqrt has NASA's"
                   --stdev sample --weight sqrt -o x.nc a.nc)
swathgrid_cli_test(cli_unknown_crs 2 "--crs" --crs EPSG:999999 -o x.nc a.nc)
swathgrid_cli_test(cli_lowercase_flag 2 "--flags" --flags land -o x.nc a.nc)
swathgrid_cli_test(cli_unknown_on_error 2 "--on-error: unknown policy 'sometimes'"
                   --on-error sometimes -o x.nc a.nc)
swathgrid_cli_test(cli_duplicate_granule 2 "duplicate granule ./a.nc: listed as input 1"
                   -o x.nc a.nc ./a.nc)
swathgrid_cli_test(cli_empty_input_list 2 "--input-list /dev/null: lists no granules"
                   --input-list /dev/null -o x.nc)
swathgrid_cli_test(cli_missing_input_list 2 "--input-list: cannot read /nonexistent/list.txt"
                   --input-list /nonexistent/list.txt -o x.nc)

# --on-error under mpiexec -n 2: the good granules alone, the mix skipping the bad ones (the
# same bytes: tests/mpi/test_bad_skip.cpp), the mix failing (exit 1, no file left).
set(BAD_RUN ${MPIEXEC_EXECUTABLE} ${MPIEXEC_NUMPROC_FLAG} 2 ${SWATHGRID_MPIEXEC_EXTRA_FLAGS}
    $<TARGET_FILE:swathgrid> --bbox -77,36,-73,41 --res 0.01 --period day
    --stats mean,count,stdev,ngranules --var chlor_a,poc)
add_test(NAME bad_good_only_n2 COMMAND ${BAD_RUN} --input-list ${BAD_E2E_LIST}
         -o ${BAD_DIR}/good_only.nc)
add_test(NAME bad_skip_n2 COMMAND ${BAD_RUN} --input-list ${BAD_DIR}/mixed.txt --on-error skip
         -o ${BAD_DIR}/skipped.nc)
set_tests_properties(bad_skip_n2 PROPERTIES
  PASS_REGULAR_EXPRESSION "left out 17 granule.*1 granule\\(s\\) with no valid value|1 granule\\(s\\) with no valid value.*left out 17 granule")
add_test(NAME bad_fail_n2
  COMMAND ${CMAKE_COMMAND} -DEXPECTED_CODE=1 "-DEXPECTED_TEXT=truncated.nc: truncated file"
          "-DCOMMAND=${MPIEXEC_EXECUTABLE};${MPIEXEC_NUMPROC_FLAG};2;${SWATHGRID_MPIEXEC_EXTRA_FLAGS};$<TARGET_FILE:swathgrid>;--input-list;${BAD_DIR}/one_bad.txt;-o;${BAD_DIR}/failed.nc"
          -P ${CMAKE_CURRENT_SOURCE_DIR}/mpi/expect_mpi_failure.cmake)
# The same two with --read-ahead on: errors come back from the reading thread.
add_test(NAME bad_skip_ahead_n2 COMMAND ${BAD_RUN} --input-list ${BAD_DIR}/mixed.txt
         --on-error skip --read-ahead on -o ${BAD_DIR}/skipped_ahead.nc)
add_test(NAME bad_fail_ahead_n2
  COMMAND ${CMAKE_COMMAND} -DEXPECTED_CODE=1 "-DEXPECTED_TEXT=truncated.nc: truncated file"
          "-DCOMMAND=${MPIEXEC_EXECUTABLE};${MPIEXEC_NUMPROC_FLAG};2;${SWATHGRID_MPIEXEC_EXTRA_FLAGS};$<TARGET_FILE:swathgrid>;--input-list;${BAD_DIR}/one_bad.txt;--read-ahead;on;-o;${BAD_DIR}/failed_ahead.nc"
          -P ${CMAKE_CURRENT_SOURCE_DIR}/mpi/expect_mpi_failure.cmake)
foreach(name IN ITEMS bad_good_only_n2 bad_skip_n2 bad_fail_n2 bad_skip_ahead_n2
                      bad_fail_ahead_n2)
  set_tests_properties(${name} PROPERTIES FIXTURES_REQUIRED "e2e_granules;bad_corpus"
    FIXTURES_SETUP bad_outputs ENVIRONMENT "${BAD_MPI_ENV};OMP_NUM_THREADS=1" PROCESSORS 2
    LABELS mpi)
endforeach()
add_executable(test_bad_skip mpi/test_bad_skip.cpp)
target_link_libraries(test_bad_skip PRIVATE swathgrid_test_main)
target_include_directories(test_bad_skip PRIVATE "${CMAKE_CURRENT_SOURCE_DIR}/mpi")
add_test(NAME bad_skip_check COMMAND test_bad_skip)
set_tests_properties(bad_skip_check PROPERTIES FIXTURES_REQUIRED "bad_corpus;bad_outputs"
  ENVIRONMENT "${BAD_MPI_ENV};SWATHGRID_BAD_DIR=${BAD_DIR}" LABELS mpi)

# Unreadable granule (permissions): as user nobody when the suite runs as root.
add_test(NAME cli_unreadable_granule
  COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/cli/unreadable_as_nobody.sh $<TARGET_FILE:swathgrid>
          ${BAD_E2E_LIST})
set_tests_properties(cli_unreadable_granule PROPERTIES FIXTURES_REQUIRED e2e_granules
  LABELS cli PASS_REGULAR_EXPRESSION "^ok: ")
