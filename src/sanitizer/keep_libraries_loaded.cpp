// Linked into every program of the sanitizer build (SWATHGRID_ENABLE_SANITIZERS) only.
//
// Open MPI loads its components (mca_*.so) with dlopen and dlcloses them in MPI_Finalize.
// LeakSanitizer runs at exit, after that: memory the components still point to from their
// own (by then unmapped) globals is reported as leaked, and the frames of every stack that
// went through them read "<unknown module>", so no suppression can name them. This dlclose,
// interposed from the executable (-Wl,--export-dynamic-symbol=dlclose), keeps every library
// loaded until exit: reachable memory stays reachable and stacks keep their names.
// (Unloading at exit frees nothing the operating system would not reclaim anyway.)

extern "C" int dlclose(void* /*handle*/) { return 0; }
