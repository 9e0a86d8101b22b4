#pragma once
// The synthetic planet: an analytic coastline (fixed, so every granule agrees on it), an
// ocean chlorophyll field with coastal enrichment and drifting eddies and filaments (fixed
// in space, slowly moving in time), and per-granule clouds (seeded smooth random field).

#include <cstdint>

#include "synth_geometry.hpp"

namespace swathgrid::synth_detail {

/// Land/sea at a point of the synthetic planet.
struct Surface {
  bool land = false;
  double coast_distance_km = 0.0;  ///< ocean: distance to the coastline (large far from it)
  double coastal_weight = 0.0;     ///< 1 at the coast, decays offshore, 0 far away
};

/// The only land is a smooth "continent" whose east coast runs near the US east coast
/// (about 77W at 36N to 74W at 41N) between 24N and 52N, west to 100W.
Surface sample_surface(double lat_deg, double lon_deg);

/// Eddies and filaments (log10 units, about -0.7..0.7) at Earth-fixed `position_km`: fixed
/// sums of sinusoids whose pattern drifts a few km per day (`days` since 1970-01-01).
double ocean_structure(Vec3 position_km, double days);

/// log10 of chlor_a (mg m^-3), without pixel noise: open-ocean level, a gentle northward
/// increase, coastal enrichment, and `structure` (stronger near the coast).
double log10_chlorophyll(double lat_deg, const Surface& surface, double structure);

/// Smooth random field (about -1.75..1.75, 3 octaves of value noise, features of ~40 to
/// 300 km), different for every seed, continuous everywhere on the sphere.
double cloud_field(Vec3 position_km, std::uint64_t seed);

}  // namespace swathgrid::synth_detail
