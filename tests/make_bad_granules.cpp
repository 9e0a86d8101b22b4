// make_bad_granules DIR [GOOD_LIST]: writes the bad-granule corpus (bad_granules.hpp) into DIR
// for the command-line and MPI tests. With GOOD_LIST (one granule path a line), also writes
//   DIR/mixed.txt    the good granules interleaved with every corpus granule that fails with
//                    --period day (read errors first, then time errors) and all_fill.nc;
//   DIR/one_bad.txt  two good granules and truncated.nc between them.

#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "bad_granules.hpp"

int main(int argc, char** argv) {
  if (argc != 2 && argc != 3) {
    std::cerr << "usage: make_bad_granules DIR [GOOD_LIST]\n";
    return 2;
  }
  using namespace swathgrid::test;
  try {
    const std::string dir = argv[1];
    const std::vector<BadGranule> corpus = write_bad_corpus(dir);
    std::cout << "make_bad_granules: " << corpus.size() << " granules in " << dir << "\n";
    if (argc == 2) return 0;
    std::vector<std::string> good;
    std::ifstream in(argv[2]);
    for (std::string line; std::getline(in, line);)
      if (!line.empty()) good.push_back(line);
    if (good.empty()) throw std::runtime_error(std::string("no granules in ") + argv[2]);
    std::vector<std::string> bad;
    for (const auto& g : corpus)
      if (g.kind != BadKind::kUsable || g.name == "all_fill.nc") bad.push_back(g.path);
    std::ofstream mixed(dir + "/mixed.txt");
    // A bad granule first (the run describes its output from the first usable one), then
    // good and bad alternating, the rest of the bad ones at the end.
    std::size_t b = 0;
    for (const auto& path : good) {
      for (std::size_t k = 0; k < 2 && b < bad.size(); ++k) mixed << bad[b++] << "\n";
      mixed << path << "\n";
    }
    for (; b < bad.size(); ++b) mixed << bad[b] << "\n";
    std::ofstream one_bad(dir + "/one_bad.txt");
    one_bad << good.front() << "\n" << dir << "/truncated.nc\n" << good.back() << "\n";
    return mixed && one_bad ? 0 : 1;
  } catch (const std::exception& e) {
    std::cerr << "make_bad_granules: " << e.what() << "\n";
    return 1;
  }
}
