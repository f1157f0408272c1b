#include "mailsift/message/message.h"

#include <utility>

#include "mailsift/message/from_line.h"

namespace mailsift::message {
namespace {

class MemoryBody final : public BodyStorage {
 public:
  explicit MemoryBody(std::string bytes) : bytes_(std::move(bytes)) {}
  std::string_view bytes() const override { return bytes_; }
  bool spooled() const override { return false; }
  std::string_view with_prefix(std::string_view prefix) const override {
    const std::string_view made = whole_;
    if (made.size() == prefix.size() + bytes_.size() && made.substr(0, prefix.size()) == prefix)
      return made;
    whole_.reserve(prefix.size() + bytes_.size());
    whole_.assign(prefix);
    whole_.append(bytes_);
    return whole_;
  }

 private:
  std::string bytes_;
  mutable std::string whole_;  // made by with_prefix
};

}  // namespace

void BodyStorage::release(sys::Io&, std::size_t, std::size_t) const {}

std::unique_ptr<BodyStorage> body_in_memory(std::string bytes) {
  return std::make_unique<MemoryBody>(std::move(bytes));
}

Message::Message() : body_(body_in_memory({})) {}

Message::Message(std::string head, std::unique_ptr<BodyStorage> body)
    : head_(std::move(head)), body_(std::move(body)) {
  if (!body_) body_ = body_in_memory({});
  reindex();
}

// The index holds views into head_; a moved std::string may keep its bytes in place
// (heap) or not (small-string buffer), so the moved-to message re-indexes its own copy.
Message::Message(Message&& other) noexcept
    : head_(std::move(other.head_)),
      body_(std::move(other.body_)),
      protected_body_(other.protected_body_),
      head_cut_(other.head_cut_) {
  if (!body_) body_ = body_in_memory({});
  reindex();
  other.head_.clear();
  other.body_ = body_in_memory({});
  other.protected_body_ = 0;
  other.head_cut_ = false;
  other.reindex();
}

Message& Message::operator=(Message&& other) noexcept {
  if (this == &other) return *this;
  head_ = std::move(other.head_);
  body_ = std::move(other.body_);
  protected_body_ = other.protected_body_;
  head_cut_ = other.head_cut_;
  if (!body_) body_ = body_in_memory({});
  reindex();
  other.head_.clear();
  other.body_ = body_in_memory({});
  other.protected_body_ = 0;
  other.head_cut_ = false;
  other.reindex();
  return *this;
}

Message::~Message() = default;

std::string_view Message::body() const { return body_->bytes(); }

bool Message::body_spooled() const { return body_->spooled(); }

BodyFile Message::body_file() const { return body_->file(); }

void Message::release_body(sys::Io& io, std::size_t from, std::size_t length) const {
  body_->release(io, from, length);
}

std::string_view Message::body_with_prefix(std::string_view prefix) const {
  return body_->with_prefix(prefix);
}

std::string_view Message::from_line() const {
  std::string_view head = head_;
  std::size_t start = 0;
  while (start < head.size() && head[start] == '\n') ++start;
  return head.substr(start, from_line_length_ - start);
}

std::string_view Message::header_fields() const {
  return std::string_view(head_).substr(fields_offset_);
}

std::string Message::envelope_sender() const { return from_line_sender(from_line()); }

void Message::set_head(std::string head) {
  head_ = std::move(head);
  reindex();
}

void Message::reindex() {
  const std::string_view head = head_;
  std::size_t start = 0;
  while (start < head.size() && head[start] == '\n') ++start;
  from_line_length_ = start;
  if (is_from_line(head.substr(start))) {
    const std::size_t nl = head.find('\n', start);
    from_line_length_ = nl == std::string_view::npos ? head.size() : nl + 1;
  }
  fields_offset_ = from_line_length_;
  headers_ = HeaderIndex(header_fields());
}

}  // namespace mailsift::message
