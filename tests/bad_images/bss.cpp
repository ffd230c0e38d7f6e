// A zero-initialised counter lands in .bss: writable data that the mapped
// image would not carry.
static int calls;
extern "C" __attribute__((used, visibility("hidden"))) int count_call() {
  return ++calls;
}
