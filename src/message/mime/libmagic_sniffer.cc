// libmagic behind mime::Sniffer, loaded with dlopen on first use.
#include <dlfcn.h>
#include <magic.h>

#include <algorithm>

#include "mailsift/limits.h"
#include "mailsift/message/mime/sniffer.h"

namespace mailsift::message::mime {
namespace {

// What mailsift asks of libmagic: the MIME type only; no text, encoding, token, CSV
// or JSON checks (slow on text, and text parts are not sniffed), no looking inside
// compressed data (MAGIC_COMPRESS forks a decompressor).
constexpr int kFlags = MAGIC_MIME_TYPE | MAGIC_NO_CHECK_COMPRESS | MAGIC_NO_CHECK_TEXT |
                       MAGIC_NO_CHECK_ENCODING | MAGIC_NO_CHECK_TOKENS | MAGIC_NO_CHECK_CSV |
                       MAGIC_NO_CHECK_JSON | MAGIC_NO_CHECK_APPTYPE;

class Libmagic final : public Sniffer {
 public:
  ~Libmagic() override {
    if (cookie_ != nullptr && close_ != nullptr) close_(cookie_);
    // The library stays loaded: other static objects may still be torn down after.
  }

  std::string type_of(std::string_view content) override {
    if (!opened_) open();
    if (cookie_ == nullptr) return {};
    content = content.substr(0, std::min(content.size(), limits::kMaxSniffedBytes));
    const char* type = buffer_(cookie_, content.data(), content.size());
    if (type == nullptr) {
      const char* why = error_(cookie_);
      error_text_ = std::string("libmagic: ") + (why != nullptr ? why : "no answer");
      return {};
    }
    return std::string(type);  // libmagic overwrites it on the next call
  }

  std::string error() const override { return error_text_; }

 private:
  template <typename F>
  bool load(void* library, const char* name, F* out) {
    *out = reinterpret_cast<F>(dlsym(library, name));
    return *out != nullptr;
  }

  void open() {
    opened_ = true;
    void* library = dlopen("libmagic.so.1", RTLD_NOW | RTLD_LOCAL);
    if (library == nullptr) {
      const char* why = dlerror();
      error_text_ = std::string("cannot load libmagic: ") + (why != nullptr ? why : "?");
      return;
    }
    if (!load(library, "magic_open", &open_) || !load(library, "magic_load", &load_) ||
        !load(library, "magic_buffer", &buffer_) || !load(library, "magic_error", &error_) ||
        !load(library, "magic_close", &close_)) {
      error_text_ = "libmagic lacks a function mailsift uses";
      return;
    }
    magic_t cookie = open_(kFlags);
    if (cookie == nullptr) {
      error_text_ = "libmagic: magic_open failed";
      return;
    }
    if (load_(cookie, nullptr) != 0) {
      const char* why = error_(cookie);
      error_text_ = std::string("libmagic cannot read its database: ") + (why != nullptr ? why : "?");
      close_(cookie);
      return;
    }
    cookie_ = cookie;
  }

  bool opened_ = false;
  magic_t cookie_ = nullptr;
  std::string error_text_;
  magic_t (*open_)(int) = nullptr;
  int (*load_)(magic_t, const char*) = nullptr;
  const char* (*buffer_)(magic_t, const void*, size_t) = nullptr;
  const char* (*error_)(magic_t) = nullptr;
  void (*close_)(magic_t) = nullptr;
};

}  // namespace

Sniffer& libmagic_sniffer() {
  static Libmagic instance;
  return instance;
}

}  // namespace mailsift::message::mime
