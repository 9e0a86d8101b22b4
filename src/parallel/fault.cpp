// SWATHGRID_FAULT: see include/swathgrid/fault.hpp.

#include "swathgrid/fault.hpp"

#include <mpi.h>

#include <cstdlib>
#include <new>

#include "swathgrid/error.hpp"

namespace swathgrid {

namespace {

struct FaultPlan {
  std::string stage;  ///< "" when no fault is asked for
  int rank = -1;
  bool alloc = false;
  bool mpi = false;  ///< a failing MPI call instead of an exception
};

FaultPlan parse_plan() {
  FaultPlan plan;
  const char* text = std::getenv("SWATHGRID_FAULT");
  if (text == nullptr || *text == '\0') return plan;
  const std::string spec(text);
  const auto colon = spec.find(':');
  if (colon == std::string::npos) return plan;
  plan.stage = spec.substr(0, colon);
  const std::string rest = spec.substr(colon + 1);
  plan.rank = std::atoi(rest.c_str());
  plan.alloc = rest.find(":alloc") != std::string::npos;
  plan.mpi = rest.find(":mpi") != std::string::npos;
  return plan;
}

}  // namespace

void inject_fault(const char* stage, const std::string& what) {
  static const FaultPlan plan = parse_plan();
  if (plan.stage.empty() || plan.stage != stage) return;
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  if (rank != plan.rank) return;
  if (plan.alloc) throw std::bad_alloc();
  if (plan.mpi) {  // a message to a rank that does not exist: MPI_ERR_RANK
    int size = 1, value = 0;
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    MPI_Send(&value, 1, MPI_INT, size + 1, 0, MPI_COMM_WORLD);
  }
  throw Error(what + ": injected fault at " + plan.stage);
}

}  // namespace swathgrid
