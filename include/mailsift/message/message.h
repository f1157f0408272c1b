// Message: one mail message, read once, immutable while rules run (a filter makes a
// new Message). Its bytes are the head (any leading empty lines, the From_ line, the
// header fields and the empty line that ends them) followed by the body.
//
// The head always lives in memory. The body lives in memory up to
// limits::kMaxInMemoryMessage; a larger body is a read-only view of one spool file
// (unlinked at creation, mapped), so the message is never held twice. Of a spooled
// body only the pages something reads are in memory, and writers drop them again
// (release_body) or let the kernel copy the bytes from the file (body_file).
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "mailsift/message/header_index.h"
#include "mailsift/sys/io.h"

namespace mailsift::message {

// Where a body's bytes are also in a file: [offset, offset + size) of fd.
struct BodyFile {
  int fd = -1;  // -1: the bytes are only in memory
  off_t offset = 0;
};

// Where the body bytes live. Implementations: memory (a std::string) and a mapped
// spool file. Owned by the Message.
class BodyStorage {
 public:
  virtual ~BodyStorage() = default;
  virtual std::string_view bytes() const = 0;
  virtual bool spooled() const = 0;
  // The file bytes() is a view of, so that a writer can let the kernel copy ranges
  // of it. The descriptor belongs to the storage (open while it lives).
  virtual BodyFile file() const { return {}; }
  // Drops the pages that show bytes()[from, from + length) from the process's
  // resident memory when bytes() is a view of a mapped file (nothing otherwise).
  // The bytes stay readable: a later read maps them again from the page cache. Never
  // fails in a way that matters (memory use only).
  virtual void release(sys::Io& io, std::size_t from, std::size_t length) const;
  // `prefix` followed by the body, as one contiguous text (the joined header and the
  // body, which conditions on H and B together search). A spooled body is not copied:
  // the prefix is put in front of it in the mapping. A body in memory (at most
  // limits::kMaxInMemoryMessage) is copied once. Valid until the next call or until
  // the storage ends; a call with the same prefix returns the same text at no cost.
  virtual std::string_view with_prefix(std::string_view prefix) const = 0;
};

std::unique_ptr<BodyStorage> body_in_memory(std::string bytes);

class Message {
 public:
  Message();
  // head: the whole head area as defined above; body: the rest.
  Message(std::string head, std::unique_ptr<BodyStorage> body);
  Message(Message&&) noexcept;
  Message& operator=(Message&&) noexcept;
  ~Message();

  // The head area: from the first byte up to and including the empty line that ends
  // the header (or the whole message when there is no empty line).
  std::string_view head() const { return head_; }
  std::string_view body() const;
  std::size_t size() const { return head_.size() + body().size(); }
  bool body_spooled() const;
  // See BodyStorage::file and BodyStorage::release.
  BodyFile body_file() const;
  void release_body(sys::Io& io, std::size_t from, std::size_t length) const;
  // See BodyStorage::with_prefix (search_area.h: the H and B area).
  std::string_view body_with_prefix(std::string_view prefix) const;

  // The From_ line including its newline, or empty when the message has none.
  std::string_view from_line() const;
  // The header fields (head without leading empty lines and the From_ line).
  std::string_view header_fields() const;
  const HeaderIndex& headers() const { return headers_; }

  // Envelope sender: the address of the From_ line, or empty.
  std::string envelope_sender() const;

  // Body bytes exempt from ">From " quoting in an mbox (the length a valid
  // Content-Length field declares; see content_length.h). 0 when none.
  std::size_t content_length_protected() const { return protected_body_; }
  void set_content_length_protected(std::size_t n) { protected_body_ = n; }

  // True when the header had no end within limits::kMaxHeaderBytes: head() is then
  // only its first part, and the rest counts as body for matching (the bytes
  // delivered are the same).
  bool head_cut() const { return head_cut_; }
  void set_head_cut(bool cut) { head_cut_ = cut; }

  // Replaces the head (after the From_ line or Content-Length is rewritten) and
  // re-indexes the header.
  void set_head(std::string head);

 private:
  void reindex();

  std::string head_;
  std::unique_ptr<BodyStorage> body_;
  HeaderIndex headers_;
  std::size_t from_line_length_ = 0;  // bytes of head_ before the fields, from line included
  std::size_t fields_offset_ = 0;     // first byte of the fields in head_
  std::size_t protected_body_ = 0;
  bool head_cut_ = false;
};

}  // namespace mailsift::message
