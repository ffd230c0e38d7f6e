#include "console/user_console.h"

#include "console/print.h"
#include "console/serial.h"

namespace kernel::user_console {
namespace {

bool separate = false;

}  // namespace

void init() {
  separate = serial::init_port(serial::kCom2) && serial::init_port(serial::kCom3);
  kprint("console: user stdout/stderr on %s\n", separate ? "COM2/COM3" : "COM1 (with the log)");
}

void write(int fd, const uint8_t* data, size_t size) {
  if (separate) {
    serial::write_bytes(fd == 2 ? serial::kCom3 : serial::kCom2, data, size);
    return;
  }
  for (size_t i = 0; i < size; ++i)
    serial::write_char(static_cast<char>(data[i]));
}

bool separate_streams() {
  return separate;
}

}  // namespace kernel::user_console
