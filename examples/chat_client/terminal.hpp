// examples/chat_client/terminal.hpp: a prompt that server lines do not garble.
//
// A chat client prints lines at any moment, often while its user is half
// way through typing. With the terminal in its usual (canonical) mode the
// kernel echoes what is typed and the two interleave on one line. So on a
// terminal the client takes the keys itself (no echo, no line discipline)
// and owns the bottom line: the prompt and what is typed so far. A server
// line is printed by clearing that line, printing the server's, and
// drawing the prompt again below it.
//
// Keys: printable text (UTF-8 too), Backspace, Ctrl-U (clear the line),
// Enter, Ctrl-D on an empty line (end of input) and Ctrl-C (end). Other
// control keys and escape sequences (arrows) are ignored. The terminal is
// restored however the program ends, short of SIGKILL.
#pragma once

#include <termios.h>
#include <unistd.h>

#include <string>
#include <string_view>

namespace chat_client {

// Writes all of `text` to stdout (unbuffered: the prompt is drawn with it).
inline void write_out(std::string_view text) {
  while (!text.empty()) {
    const ssize_t n = ::write(STDOUT_FILENO, text.data(), text.size());
    if (n <= 0) return;  // a closed terminal: nothing left to show
    text.remove_prefix(static_cast<std::size_t>(n));
  }
}

class Terminal {
 public:
  explicit Terminal(std::string prompt) : prompt_(std::move(prompt)) {
    ::tcgetattr(STDIN_FILENO, &saved_);
    termios raw = saved_;
    raw.c_lflag &= ~static_cast<tcflag_t>(ICANON | ECHO | ISIG | IEXTEN);
    raw.c_iflag &= ~static_cast<tcflag_t>(IXON | ICRNL);  // output keeps OPOST: LF still prints as CR LF
    raw.c_cc[VMIN] = 1;
    raw.c_cc[VTIME] = 0;
    ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &raw);
    redraw();
  }
  Terminal(const Terminal&) = delete;
  Terminal& operator=(const Terminal&) = delete;
  ~Terminal() {
    write_out("\r\033[K");
    ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_);
  }

  // Takes typed bytes: on_line(line) for each Enter, on_end() for Ctrl-D on
  // an empty line or Ctrl-C.
  template <class OnLine, class OnEnd>
  void feed(std::string_view keys, OnLine on_line, OnEnd on_end) {
    for (const char key : keys) {
      const auto byte = static_cast<unsigned char>(key);
      if (escape_ == 1) {  // after ESC: '[' or 'O' starts a sequence, anything else ends it
        escape_ = (key == '[' || key == 'O') ? 2 : 0;
        continue;
      }
      if (escape_ == 2) {  // a sequence ends at its final byte, 0x40 to 0x7e
        if (byte >= 0x40 && byte <= 0x7e) escape_ = 0;
        continue;
      }
      if (key == '\r' || key == '\n') {
        std::string line;
        line.swap(typed_);
        write_out("\r\033[K");
        write_out(prompt_ + line + "\n");  // what was sent stays on screen (the tty adds the CR)
        on_line(line);
        redraw();
      } else if (key == 0x7f || key == 0x08) {  // Backspace: one character, however many bytes
        while (!typed_.empty() && (static_cast<unsigned char>(typed_.back()) & 0xc0) == 0x80) typed_.pop_back();
        if (!typed_.empty()) typed_.pop_back();
        redraw();
      } else if (key == 0x15) {  // Ctrl-U
        typed_.clear();
        redraw();
      } else if (key == 0x03 || (key == 0x04 && typed_.empty())) {  // Ctrl-C, Ctrl-D
        on_end();
        return;
      } else if (key == 0x1b) {
        escape_ = 1;
      } else if (byte >= 0x20) {
        typed_.push_back(key);
        write_out(std::string_view(&key, 1));
      }
    }
  }

  // Prints a line above the prompt, which is then drawn again.
  void print_above(std::string_view line) {
    std::string out = "\r\033[K";
    out += line;
    out += '\n';
    write_out(out);
    redraw();
  }

 private:
  void redraw() { write_out("\r\033[K" + prompt_ + typed_); }

  termios saved_{};
  std::string prompt_;
  std::string typed_;
  int escape_ = 0;  // 0: none, 1: after ESC, 2: inside a CSI/SS3 sequence
};

}  // namespace chat_client
