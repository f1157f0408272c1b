// libmagic behind mime::Sniffer, loaded with dlopen on first use; its database
// walked a slice at a time (libmagic_slices.h).
#include <magic.h>

#include <algorithm>
#include <memory>

#include "mailsift/limits.h"
#include "mailsift/message/mime/libmagic_slices.h"
#include "mailsift/message/mime/sniffer.h"

namespace mailsift::message::mime {
namespace {

// The database is walked in slices of this size (libmagic_slices.h): a content that
// nothing matches maps one slice at a time, not the 5.9 MB of tests.
constexpr std::size_t kSliceBytes = 512u << 10;

class Libmagic final : public Sniffer {
 public:
  ~Libmagic() override {
    sliced_.reset();
    if (whole_ != nullptr) api_.close(whole_);
    // The library stays loaded: other static objects may still be torn down after.
  }

  std::string type_of(std::string_view content) override { return types_of({content}).front(); }

  std::vector<std::string> types_of(const std::vector<std::string_view>& contents) override {
    if (!opened_) open();
    std::vector<std::string> types(contents.size());
    if (!loaded_) return types;
    std::vector<std::string_view> heads;
    for (const std::string_view content : contents)
      heads.push_back(content.substr(0, std::min(content.size(), limits::kMaxSniffedBytes)));
    if (sliced_) types = sliced_->types_of(heads);
    for (std::size_t i = 0; i < heads.size(); ++i) {
      // No answer from the slices: an "indirect" entry needs the whole database (or
      // libmagic fails on the content, and fails again here, saying why).
      if (types[i].empty()) types[i] = whole_type_of(heads[i]);
    }
    return types;
  }

  std::string error() const override { return error_text_; }

 private:
  void open() {
    opened_ = true;
    loaded_ = load_libmagic(&api_, &error_text_);
    if (!loaded_) return;
    const std::string database = default_compiled_database(api_);
    std::string why;  // the database is then loaded whole, as libmagic does
    if (!database.empty()) sliced_ = SlicedMagicDatabase::open(api_, database, kSniffFlags, kSliceBytes, &why);
  }

  std::string whole_type_of(std::string_view content) {
    if (!whole_opened_) open_whole();
    if (whole_ == nullptr) return {};
    const char* type = api_.buffer(whole_, content.data(), content.size());
    if (type == nullptr) {
      const char* why = api_.error(whole_);
      error_text_ = std::string("libmagic: ") + (why != nullptr ? why : "no answer");
      return {};
    }
    return std::string(type);  // libmagic overwrites it on the next call
  }

  void open_whole() {
    whole_opened_ = true;
    magic_t cookie = api_.open(kSniffFlags);
    if (cookie == nullptr) {
      error_text_ = "libmagic: magic_open failed";
      return;
    }
    if (api_.load(cookie, nullptr) != 0) {
      const char* why = api_.error(cookie);
      error_text_ = std::string("libmagic cannot read its database: ") + (why != nullptr ? why : "?");
      api_.close(cookie);
      return;
    }
    whole_ = cookie;
  }

  bool opened_ = false;
  bool loaded_ = false;
  bool whole_opened_ = false;
  LibmagicApi api_;
  std::unique_ptr<SlicedMagicDatabase> sliced_;
  magic_t whole_ = nullptr;
  std::string error_text_;
};

}  // namespace

Sniffer& libmagic_sniffer() {
  static Libmagic instance;
  return instance;
}

}  // namespace mailsift::message::mime
