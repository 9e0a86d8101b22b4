# Runs COMMAND (swathgrid --version, alone or under mpiexec) as a user would, with none of
# the OpenMP settings that silence Kokkos (OMP_PROC_BIND, OMP_NUM_THREADS, ...) and no
# KOKKOS_DISABLE_WARNINGS; passes when it exits 0, its stdout is the one line
# "swathgrid <version>" (from rank 0) and nothing it prints says "Kokkos"
# (its initialisation warnings: "OMP_PROC_BIND not set", "likely oversubscribing").
foreach(var OMP_PROC_BIND OMP_PLACES OMP_NUM_THREADS KOKKOS_DISABLE_WARNINGS)
  unset(ENV{${var}})
endforeach()
execute_process(COMMAND ${COMMAND} RESULT_VARIABLE code OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT code EQUAL 0)
  message(FATAL_ERROR "exit code ${code}\nstdout: ${out}\nstderr: ${err}")
endif()
string(FIND "${out}${err}" "Kokkos" kokkos)
if(NOT kokkos EQUAL -1)
  message(FATAL_ERROR "Kokkos' own output reached the user\nstdout: ${out}\nstderr: ${err}")
endif()
if(NOT out MATCHES "^swathgrid [0-9][^\n]*\n$")
  message(FATAL_ERROR "stdout is not the version line alone:\n${out}")
endif()
