#include "boot/boot_options.h"

#include "console/print.h"

namespace kernel {
namespace {

BootOptions options;

bool equal(const char* a, int a_length, const char* b) {
  int i = 0;
  for (; i < a_length; ++i) {
    if (b[i] != a[i])
      return false;
  }
  return b[i] == '\0';
}

// A decimal number that fills the whole value, or false.
bool parse_number(const char* text, int length, uint32_t& out) {
  if (length == 0 || length > 9)
    return false;
  uint32_t value = 0;
  for (int i = 0; i < length; ++i) {
    if (text[i] < '0' || text[i] > '9')
      return false;
    value = value * 10 + static_cast<uint32_t>(text[i] - '0');
  }
  out = value;
  return true;
}

void apply(const char* key, int key_length, const char* value, int value_length) {
  uint32_t number = 0;
  if (equal(key, key_length, "hz")) {
    if (parse_number(value, value_length, number) && number >= BootOptions::kMinHz &&
        number <= BootOptions::kMaxHz) {
      options.hz = number;
    } else {
      kprint("boot: hz must be %u..%u; keeping %u\n", BootOptions::kMinHz, BootOptions::kMaxHz,
             options.hz);
    }
  } else if (equal(key, key_length, "test")) {
    options.test_mode = true;
    const int n = value_length < static_cast<int>(sizeof(options.test_scenario)) - 1
                      ? value_length
                      : static_cast<int>(sizeof(options.test_scenario)) - 1;
    for (int i = 0; i < n; ++i)
      options.test_scenario[i] = value[i];
    options.test_scenario[n] = '\0';
  } else if (equal(key, key_length, "test.seconds")) {
    if (parse_number(value, value_length, number) && number >= 1 && number <= 60) {
      options.test_seconds = number;
    } else {
      kprint("boot: test.seconds must be 1..60; keeping %u\n", options.test_seconds);
    }
  } else if (equal(key, key_length, "init")) {
    if (value_length == 0 || value_length >= static_cast<int>(sizeof(options.init_path))) {
      kprint("boot: init= needs a path shorter than %zu bytes\n", sizeof(options.init_path));
      return;
    }
    for (int i = 0; i < value_length; ++i)
      options.init_path[i] = value[i];
    options.init_path[value_length] = '\0';
  } else if (equal(key, key_length, "verbose")) {
    options.verbose = true;
  } else if (equal(key, key_length, "fineclocks")) {
    if (equal(value, value_length, "on") || equal(value, value_length, "off")) {
      options.fine_clocks = equal(value, value_length, "on");
    } else {
      kprint("boot: fineclocks must be on or off; keeping %s\n",
             options.fine_clocks ? "on" : "off");
    }
  } else if (equal(key, key_length, "tscwarp")) {
    if (equal(value, value_length, "0") || equal(value, value_length, "1")) {
      options.fake_tsc_warp = equal(value, value_length, "1");
    } else {
      kprint("boot: tscwarp must be 0 or 1; keeping %d\n", options.fake_tsc_warp ? 1 : 0);
    }
  } else {
    kprint("boot: ignoring unknown option '");
    for (int i = 0; i < key_length; ++i)
      kprint("%c", key[i]);
    kprint("'\n");
  }
}

}  // namespace

void parse_boot_options(const char* line) {
  // Multiboot loaders (GRUB, QEMU) put the image's path first: skip a first
  // word that is not an option.
  while (*line == ' ')
    ++line;
  const char* first = line;
  while (*first != '\0' && *first != ' ' && *first != '=')
    ++first;
  if (*first != '=' && !equal(line, static_cast<int>(first - line), "test"))
    line = first;

  while (*line != '\0') {
    while (*line == ' ')
      ++line;
    const char* word = line;
    while (*line != '\0' && *line != ' ')
      ++line;
    const int length = static_cast<int>(line - word);
    if (length == 0)
      continue;
    if (equal(word, length, "--")) {
      while (*line == ' ')
        ++line;
      size_t i = 0;
      for (; i + 1 < sizeof(options.init_arguments) && line[i] != '\0'; ++i)
        options.init_arguments[i] = line[i];
      options.init_arguments[i] = '\0';
      break;
    }
    int key_length = 0;
    while (key_length < length && word[key_length] != '=')
      ++key_length;
    const bool has_value = key_length < length;
    apply(word, key_length, has_value ? word + key_length + 1 : word,
          has_value ? length - key_length - 1 : 0);
  }
}

const BootOptions& boot_options() {
  return options;
}

}  // namespace kernel
