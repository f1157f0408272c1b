#include "mailsift/formail/formatter.h"

#include <fcntl.h>
#include <strings.h>
#include <unistd.h>

#include <array>
#include <csignal>
#include <cstdlib>
#include <ctime>
#include <optional>
#include <string_view>

#include "mailsift/formail/id_cache.h"
#include "mailsift/formail/programs.h"
#include "mailsift/formail/sender.h"
#include "mailsift/formail/streams.h"
#include "mailsift/sys/hostname.h"

namespace mailsift::formail {
namespace {

constexpr int kUsage = 64;
constexpr int kNoUser = 67;
constexpr int kUnavailable = 69;
constexpr int kIoError = 74;
constexpr char kBabylSeparator = '\037';
constexpr std::string_view kUnknownSender = "foo@bar";

// The header fields formail knows when it looks for the start of a message.
constexpr std::string_view kKnownFields[] = {
    "Return-Path:", "Received:", "Reply-To:", "From:", "Sender:", "Resent-Reply-To:",
    "Resent-From:", "Resent-Sender:", "Date:", "Resent-Date:", "To:", "Resent-To:", "Cc:",
    "Resent-Cc:", "Bcc:", "Resent-Bcc:", "Message-ID:", "Resent-Message-ID:", "In-Reply-To:",
    "References:", "Keywords:", "Subject:", "Comments:", "Encrypted:",
    "Notice-Requested-Upon-Delivery-To:", "Final-Recipient:", "Remote-MTA:",
    "Diagnostic-Code:", "Last-Attempt-Date:", "Errors-To:", "Return-Receipt-To:",
    "Precedence:", "Full-Name:", "Posted-Date:", "Received-Date:", "Message:", "Text:", "Via:",
    "Apparently-To:", "Apparently-Resent-To:", "Delivered-To:", "Mailing-List:",
    "Autoforwarded:", "Content-Identifier:", "Conversion:", "Conversion-With-Loss:",
    "Delivery-Date:", "Discarded-X400-IPMS-Extensions:", "Discarded-X400-MTS-Extensions:",
    "DL-Expansion-History:", "Deferred-Delivery:", "Expiry-Date:", "Importance:",
    "Incomplete-Copy:", "Language:", "Latest-Delivery-Time:", "Message-Type:", "Obsoletes:",
    "Supersedes:", "Original-Encoded-Information-Types:", "Originator-Return-Address:",
    "Priority:", "Reply-By:", "Requested-Delivery-Method:", "Sensitivity:",
    "X400-Content-Type:", "X400-MTS-Identifier:", "X400-Originator:", "X400-Received:",
    "X400-Recipients:", "X400-Trace:", "Alternate-Recipient:", "Prevent-Nondelivery-Report:",
    "Generate-Delivery-Report:", "Disclose-Recipients:", "Content-Return:", "Auto-Submitted:",
    "PP-Warning:", "Fcc:", "Resent:", "Forwarded:", "Replied:", "Article:", "Path:", "Summary:",
    "Organisation:", "Organization:", "Newsgroups:", "Followup-To:", "Approved:", "Lines:",
    "Expires:", "Control:", "Distribution:", "Xref:", "Originator:", "NNTP-Posting-Host:",
    "Submitted-by:", "Posted-To:", "Mail-Copies-To:", "Title:", "Article-I.D.:", "Posted:",
    "Relay-Version:", "Sent-By:", "Content-Type:", "Encoding:", "Content-MD5:", "MIME-Version:",
    "Content-Transfer-Encoding:", "Content-ID:", "Content-Description:",
    "Content-Disposition:", "Accept:", "Public:", "Allow:", "Last-Modified:", "URI:",
    "Version:", "Derived-From:", "Content-Language:", "Cost:", "Server:", "WWW-Link:",
    "Acknowledge-To:", "Transport-Options:", "Default-Options:", "Content-Length:",
    "Reference:", "Auto-Forwarded-From:", "Auto-Forward-Count:", "End-of-Header:",
    "Original-From:", "Original-To:", "Original-Cc:", "Original-Auto-Forwarded-From:",
    "Original-Date:", "Not-Delivered-To:", "Report-Version:", "Original-Received:", "Status:",
    "Mail-from:", "Return-Receipt-Requested:", "MR-Received:", "App-Message-ID:", "Hop-count:",
    "From-warning:", "Request-Remailing-To:", "Anon-Send-To:", "Latent-Time:", "Cutmarks:",
    "Post-To:", "Anon-Post-To:", "Encrypt-Key:", "Read-Receipt-To:", "Fake-Sender:",
    "Envelope-To:", "User-Agent:", "NNTP-Posting-Date:"};

bool starts_with_ignoring_case(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() && strncasecmp(text.data(), prefix.data(), prefix.size()) == 0;
}

bool same_name(const Field& field, std::string_view name) {
  return field.name_length == name.size() && starts_with_ignoring_case(field.text, name);
}

std::size_t skip_blanks(std::string_view text, std::size_t i) {
  while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) ++i;
  return i;
}

// formail's compact number: base 64, least significant digit first.
std::string compact_number(unsigned long value) {
  std::string out;
  do {
    const unsigned digit = value & 0x3f;
    out += static_cast<char>(digit < 26   ? 'A' + digit
                             : digit < 52 ? 'a' + digit - 26
                             : digit < 62 ? '0' + digit - 52
                             : digit == 62 ? '-'
                                           : '_');
  } while ((value >>= 6) != 0);
  return out;
}


class Formatter {
 public:
  Formatter(std::string program, Options options)
      : program_(std::move(program)),
        o_(std::move(options)),
        programs_(o_.command, o_.child_limit),
        input_(0) {}

  int run();

 private:
  enum class Next { kNextMessage, kEndOfInput, kStopSplitting, kHeaderOnly };

  void log(std::string_view text) { write_error(program_ + ": " + std::string(text)); }
  int usage() {
    write_error(usage_text(program_));
    return kUsage;
  }

  // Reading.
  int read_line();
  bool read_field();
  void add_buffer() {
    header_.push_back(make_field(buffer_, true));
    buffer_.clear();
  }
  bool article_header();
  bool known_header_last() const;

  // Writing: lput counts instead of writing under -l; put always writes.
  void lput(std::string_view text) {
    if (o_.log_folder) total_length_ += static_cast<long>(text.size());
    else out_.put(text);
  }
  void put(std::string_view text) { out_.put(text); }
  void show_field(const Field& field);
  void flush_fields(FieldList& list);
  void show_filled(const FieldList& list);
  void log_folder();
  bool close_output();
  void open_sink() { out_.open_sink(); }
  void start_program();

  // One message.
  void apply_field_options(bool for_reply);
  Next format_message();
  void rewrite_header();
  void build_reply();
  void add_from_line();
  void add_missing_fields();
  void copy_counted_body(long length);
  Next split_here();

  std::string program_;
  Options o_;
  Programs programs_;
  Input input_;
  Output out_;
  int original_stdout_ = -1;

  std::string buffer_;
  int last_ = Input::kEnd;  // the next input byte, read ahead
  unsigned long hash_ = 0;  // of the input, for -a Message-ID:
  unsigned long generated_ids_ = 0;
  FieldList header_;
  FieldList new_fields_;  // -a fields that were missing
  long total_length_ = 0;
  bool last_line_empty_ = true;
  bool babyl_start_ = false;
  bool had_from_line_ = false;  // the message came with one
  bool write_failed_ = false;  // -s: a program's input could not be written
  int status_ = 0;
  std::optional<std::string> sender_;
  std::optional<std::string> subject_, references_, message_id_, date_;
};

int Formatter::read_line() {
  if (last_ == Input::kEnd) {
    buffer_ += '\n';  // a line that ends the input
    return Input::kEnd;
  }
  buffer_ += static_cast<char>(last_);
  if (last_ != '\n') {
    int c;
    while ((c = input_.get()) != Input::kEnd && c != '\n') {
      hash_ = hash_ * 67067UL + static_cast<unsigned char>(c);
      buffer_ += static_cast<char>(c);
    }
    buffer_ += '\n';
  }
  return last_ = input_.get();
}

// Appends one field (with its continuation lines) to the header, or leaves the line
// that is not one in the buffer.
bool Formatter::read_field() {
  read_line();
  const long length = break_field(buffer_);
  if (length <= 0) return false;
  if (length == 5 && is_from_line(buffer_)) {
    if (!header_.empty()) return false;  // a From_ line inside a header is not one
    while (last_ == '>') read_line();
  } else {
    while (last_ == ' ' || last_ == '\t') read_line();
  }
  add_buffer();
  return true;
}

bool Formatter::article_header() {
  if (!header_.empty() || buffer_.compare(0, 8, "Article ") != 0) return false;
  add_buffer();
  header_.back().name_length = 8;
  return true;
}

// Whether the last field read looks like one of a header (digests, -m).
bool Formatter::known_header_last() const {
  const Field& field = header_.back();
  std::size_t length = field.name_length;
  while (length >= 2 && (field.text[length - 2] == ' ' || field.text[length - 2] == '\t')) --length;
  if (length == 0) return false;
  const std::string_view name = std::string_view(field.text).substr(0, length - 1);
  for (const std::string_view known : kKnownFields)
    if (known.size() == length && starts_with_ignoring_case(known, name)) return true;
  return (length > 4 && starts_with_ignoring_case(field.text, "Old-")) ||
         (length > 2 && starts_with_ignoring_case(field.text, "X-"));
}

void Formatter::show_field(const Field& field) {
  if (!o_.extract.empty() || !o_.extract_keep.empty()) {
    if (has_prefix(field, o_.extract)) {
      std::size_t begin = field.name_length;
      std::size_t end = field.text.size() - 1;
      if (o_.zap) {
        begin = skip_blanks(field.text, begin);
        while (end > begin && (field.text[end - 1] == ' ' || field.text[end - 1] == '\t')) --end;
      }
      if (end > begin) put(std::string_view(field.text).substr(begin, end - begin));
      put("\n");
      return;
    }
    if (!has_prefix(field, o_.extract_keep)) return;
  }
  lput(field.text);
}

void Formatter::flush_fields(FieldList& list) {
  for (const Field& field : list) show_field(field);
  list.clear();
}

void Formatter::show_filled(const FieldList& list) {
  for (const Field& field : list)
    if (field.name_length + 1 < field.text.size()) show_field(field);
}

// -l: "  Folder: NAME", tabs to the size column, the size.
void Formatter::log_folder() {
  if (!o_.log_folder) return;
  const std::string& folder = *o_.log_folder;
  put("  Folder: ");
  put(folder);
  std::size_t column = folder.size() + 10;
  column -= column % 8;
  do put("\t");
  while ((column += 8) < 72);
  std::string size = std::to_string(total_length_);
  if (size.size() < 7) size.insert(0, 7 - size.size(), ' ');
  put(size);
  put("\n");
}

bool Formatter::close_output() { return out_.close(); }

void Formatter::start_program() {
  if (o_.skip > 0) {
    --o_.skip;
    open_sink();
    return;
  }
  if (o_.total > 0) --o_.total;
  out_.open(programs_.start(original_stdout_, &status_));
}

// -i, -I, -R, -u and -U on the header, in formail's order.
void Formatter::apply_field_options(bool for_reply) {
  for (auto field = header_.begin(); field != header_.end();) {
    bool renamed = false;
    if (!for_reply) {
      const auto insert = find_prefix(*field, o_.rename_insert);
      if (insert != o_.rename_insert.end() &&
          !(o_.reply && field->name_length >= insert->text.size() - 1)) {
        rename_field(*field, 0, "Old-");
        renamed = true;
      }
    }
    if (!renamed) {
      const auto del = find_prefix(*field, o_.delete_insert);
      if (del != o_.delete_insert.end() && !(for_reply && field->name_length < del->text.size() - 1)) {
        field = header_.erase(field);
        continue;
      }
      const auto rename = find_prefix(*field, o_.rename);
      if (rename != o_.rename.end())
        rename_field(*field, rename->name_length, std::string_view(rename->text).substr(rename->name_length));
    }
    const auto first = find_prefix(*field, o_.first_unique, true);
    if (first != o_.first_unique.end() && !first->kept) {
      first->kept = field;
    } else if (const auto last = find_prefix(*field, o_.last_unique, true); last != o_.last_unique.end()) {
      if (last->kept) header_.erase(*last->kept);
      last->kept = field;
    } else if (first != o_.first_unique.end()) {
      field = header_.erase(field);
      continue;
    }
    ++field;
  }
}

void Formatter::build_reply() {
  for (auto field = header_.begin(); field != header_.end();) {
    const auto keep = find_prefix(*field, o_.rename_insert);
    if (keep == o_.rename_insert.end() || keep->name_length < keep->text.size() - 1)
      field = header_.erase(field);
    else
      ++field;
  }
  auto saved = [](const std::string& value) {
    return (value[0] == ' ' || value[0] == '\t') ? value : " " + value;
  };
  buffer_ = "To: ";
  if (sender_) {
    buffer_ += *sender_;
  } else {
    status_ = kNoUser;
    buffer_ += kUnknownSender;
  }
  buffer_ += '\n';
  add_buffer();
  if (subject_) {
    // formail means to leave out "Re:" when the subject has one, but on 64-bit machines
    // its test only holds for a subject cut short by a NUL right after the "Re:".
    const std::size_t start = skip_blanks(*subject_, 0);
    const std::string_view text = std::string_view(*subject_).substr(start);
    const bool has_re = starts_with_ignoring_case(text, "Re:") && text.size() > 3 && text[3] == '\0';
    buffer_ = "Subject:";
    if (!has_re) buffer_ += " Re:";
    buffer_ += saved(*subject_);
    add_buffer();
  }
  if (references_ || message_id_) {
    buffer_ = "References:";
    if (references_) {
      std::string references = *references_;
      if (message_id_) references.pop_back();
      buffer_ += saved(references);
    }
    if (message_id_) buffer_ += saved(*message_id_);
    add_buffer();
  }
  if (message_id_) {
    buffer_ = "In-Reply-To:" + saved(*message_id_);
    add_buffer();
  }
  apply_field_options(false);
}

void Formatter::add_from_line() {
  std::string line = "From ";
  line += sender_ ? *sender_ : std::string(kUnknownSender);
  line += ' ';
  const Field date_field = make_field("Date:", false);
  if (!date_ || !has_prefix(date_field, o_.add_if_missing)) {
    const std::time_t now = std::time(nullptr);
    char text[64];
    line += ' ';
    line += ::ctime_r(&now, text);
  } else {
    line += ((*date_)[0] == ' ' || (*date_)[0] == '\t') ? *date_ : " " + *date_;
  }
  header_.push_front(make_field(line, true));
}

void Formatter::add_missing_fields() {
  for (const Field& add : o_.add_if_missing) {
    if (has_prefix(add, header_)) continue;
    const bool name_only = add.name_length + 1 >= add.text.size();
    if (name_only && (same_name(add, "Message-ID:") || same_name(add, "Resent-Message-ID:"))) {
      const unsigned long now = static_cast<unsigned long>(std::time(nullptr));
      std::string id = std::string(add.name()) + " <" + compact_number(hash_) + "." +
                       compact_number(generated_ids_++) + "." +
                       compact_number(static_cast<unsigned long>(::getpid())) + "." +
                       compact_number(now) + "@" + sys::hostname() + ">\n";
      new_fields_.push_back(make_field(std::move(id), false));
    } else {
      new_fields_.push_back(make_field(add.text, false));
    }
  }
}

// The header is read: apply the options and write it out.
void Formatter::rewrite_header() {
  if (!header_.empty()) {
    Field& first = header_.front();
    if (first.text.compare(0, 8, "Article ") == 0) {
      first.text[7] = ':';
    } else if (o_.babyl && !o_.force && first.text.compare(0, 10, "Mail-from:") == 0) {
      const std::size_t from = skip_blanks(first.text, 10);
      if (is_from_line(std::string_view(first.text).substr(from))) {
        first.text.erase(0, from);
        first.name_length = 5;
      }
    }
  }
  sender_.reset();
  total_length_ = 0;
  subject_.reset();
  references_.reset();
  message_id_.reset();
  date_.reset();
  for (Field& entry : o_.first_unique) entry.kept.reset();
  for (Field& entry : o_.last_unique) entry.kept.reset();
  had_from_line_ = !o_.force && !header_.empty() && is_from_line(header_.front().text);
  apply_field_options(o_.reply);

  const ReplyWeights weights = !(o_.reply && o_.header_reply != 0) ? ReplyWeights::kEnvelope
                               : o_.header_reply == 1             ? ReplyWeights::kHeader
                                                                  : ReplyWeights::kHeaderResent;
  SenderChooser chooser(weights);
  for (auto field = header_.begin(); field != header_.end();) {
    const std::size_t name = field->name_length;
    if (o_.zap && name > 0 && field->text[name - 1] == ':') {
      const char c = field->text[name];
      if (c != ' ' && c != '\t' && field->text.size() > name + 1) {
        field->text.insert(name, 1, ' ');
      } else if (field->text.size() <= name + 2) {
        field = header_.erase(field);
        continue;
      }
    }
    if (o_.concatenate) concatenate(*field);
    chooser.consider(*field, field == header_.begin());
    if (field->text.size() - field->name_length > 1) {
      const std::string value = field->text.substr(field->name_length);
      if (same_name(*field, "Subject:")) subject_ = value;
      else if (same_name(*field, "References:")) references_ = value;
      else if (same_name(*field, "Message-ID:")) message_id_ = value;
      else if (same_name(*field, "Date:")) date_ = value;
    }
    ++field;
  }
  sender_ = chooser.sender();
}

Formatter::Next Formatter::format_message() {
  remove_blanks_before_colon(header_);
  rewrite_header();

  if (o_.duplicate_fd >= 0) {
    std::optional<std::string> key;
    if (o_.reply) {
      key = sender_;
    } else if (message_id_) {
      std::string id = message_id_->substr(0, message_id_->size() - 1);
      id = id.substr(0, id.find('\0'));
      key = id.substr(std::min(id.find_first_not_of(' '), id.size()));
    }
    bool duplicate = false;
    if (key) {
      key = key->substr(0, key->find('\0'));
      bool write_failed = false;
      duplicate = seen_before(o_.duplicate_fd, o_.duplicate_length, *key, &write_failed);
      // -q- reports write errors; the id is then not stored, never a false duplicate.
      if (write_failed && !o_.quiet) log("Couldn't write to \"" + o_.duplicate_file + "\"\n");
      if (duplicate && !o_.quiet) log("Duplicate key found:" + *key + "\n");
    }
    if (!o_.split) std::exit(duplicate ? 0 : 1);
    if (duplicate) {
      if (!close_output()) {
        if (!o_.quiet) log("Couldn't write to stdout\n");
        std::exit(kIoError);
      }
      open_sink();
    }
  }

  long content_length = 0;
  const Field content_length_field = make_field("Content-Length:", false);
  const bool forget_length =
      o_.digest || o_.berkeley ||
      (o_.keep_body && (o_.reply || (!o_.extract_keep.empty() &&
                                     !has_prefix(content_length_field, o_.extract_keep))));
  if (!forget_length) {
    const auto field = find_prefix(content_length_field, header_);
    if (field != header_.end()) content_length = std::strtol(field->text.c_str() + 15, nullptr, 10);
  }

  const std::string parked = std::move(buffer_);
  buffer_.clear();
  if (o_.reply) {
    build_reply();
  } else if (!o_.force && (header_.empty() || !is_from_line(header_.front().text))) {
    const Field from_line = make_field("From ", false);
    const auto add = find_prefix(from_line, o_.add_if_missing);
    // Unless -i, -I or -R name the From_ line, or -a asks for one.
    if ((add != o_.add_if_missing.end() && add->text.size() <= 6) ||
        (!had_from_line_ && !has_prefix(from_line, o_.rename_insert) &&
         !has_prefix(from_line, o_.delete_insert) && !has_prefix(from_line, o_.rename)))
      add_from_line();
  }
  add_missing_fields();
  if (o_.log_folder) {
    if (!header_.empty() && is_from_line(header_.front().text)) put(header_.front().text);
    const Field subject = make_field("Subject:", false);
    const auto field = find_prefix(subject, header_);
    if (field != header_.end()) {
      concatenate(*field);
      std::string text = field->text.substr(0, field->text.size() - 1);
      for (char& c : text)
        if (c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r') c = ' ';
      put(" ");
      put(std::string_view(text).substr(0, std::min<std::size_t>(text.size(), 78)));
      put("\n");
    }
  }
  buffer_ = parked;

  flush_fields(header_);
  flush_fields(new_fields_);
  show_filled(o_.add_always);
  show_filled(o_.rename_insert);
  show_filled(o_.delete_insert);
  const bool extracting = !o_.extract.empty() || !o_.extract_keep.empty();
  if (o_.keep_body || !extracting) lput("\n");
  if (!o_.keep_body && (o_.reply || extracting)) {
    log_folder();
    if (!o_.split) return Next::kHeaderOnly;
    if (!close_output()) {
      if (!o_.quiet) log("Couldn't write to stdout\n");
      std::exit(kIoError);
    }
    open_sink();
  }
  last_line_empty_ = true;
  if (buffer_.size() == 1) buffer_.clear();  // the empty line ending the header: written
  if (o_.babyl) {
    int c;
    int previous = 0;
    while ((c = input_.get()) != Input::kEnd && (c != '\n' || previous != '\n')) previous = c;
    last_ = c;
    babyl_start_ = false;
  }
  if (content_length > 0) copy_counted_body(content_length);

  while (!buffer_.empty() || !last_line_empty_ || last_ != Input::kEnd) {
    if (buffer_.empty()) read_field();
    if (!o_.babyl || babyl_start_) {
      bool candidate = false;
      bool from_line = false;
      if (!header_.empty()) {
        if (is_from_line(header_.front().text)) from_line = true;
        else if (o_.split && o_.digest && (last_line_empty_ || o_.every) && known_header_last())
          candidate = true;
      } else if (is_from_line(buffer_)) {
        add_buffer();
        from_line = true;
      } else if (o_.split && o_.digest && (last_line_empty_ || o_.every) && article_header()) {
        candidate = true;
      }
      if (from_line) {
        // A postmark: "From " and a word, then more on the line.
        const std::string& text = header_.front().text;
        const std::size_t word = skip_blanks(text, 5);
        const std::size_t word_end = text.find_first_of(" \t\n", word);
        if (o_.split && (last_line_empty_ || o_.every) && word_end != word &&
            word_end != std::string::npos && text[skip_blanks(text, word_end)] != '\n')
          candidate = true;
        else if (o_.escape_from)
          lput(o_.escape);
      }
      if (candidate) {
        long fields = o_.min_fields;
        while (--fields != 0 && read_field() && known_header_last()) {
        }
        if (fields == 0) return split_here();
      }
    }
    last_line_empty_ = buffer_.size() == 1;
    if (o_.babyl && !buffer_.empty() && buffer_[0] == kBabylSeparator) {
      babyl_start_ = true;
      if (!close_output()) {
        if (!o_.quiet) log("Couldn't write to stdout\n");
        std::exit(kIoError);
      }
      open_sink();
    }
    if (o_.reply && o_.escape_from) {
      if (!header_.empty()) {
        for (const Field& field : header_) {
          std::size_t line = 0;
          while (line < field.text.size()) {
            std::size_t end = field.text.find('\n', line);
            end = end == std::string::npos ? field.text.size() : end + 1;
            lput(o_.escape);
            lput(std::string_view(field.text).substr(line, end - line));
            line = end;
          }
        }
        header_.clear();
      } else {
        if (buffer_.size() > 1) lput(o_.escape);
        lput(buffer_);
        buffer_.clear();
      }
    } else if (!header_.empty()) {
      for (const Field& field : header_) lput(field.text);
      header_.clear();
    } else {
      lput(buffer_);
      buffer_.clear();
    }
  }
  log_folder();
  return Next::kEndOfInput;
}

// Content-Length: that many bytes of the body are copied as they are.
void Formatter::copy_counted_body(long length) {
  if (!buffer_.empty()) {
    lput(buffer_);
    length -= static_cast<long>(buffer_.size());
    buffer_.clear();
    last_line_empty_ = false;
  }
  int next = last_;
  int written = '\n';
  while (--length >= 0 && next != Input::kEnd) {
    last_line_empty_ = written == next && written == '\n';
    written = next;
    lput(std::string(1, static_cast<char>(next)));
    next = input_.get();
  }
  last_ = next;
  if (last_ == '\n' && written != last_) {
    lput("\n");
    last_ = input_.get();
  }
  if (!o_.quiet && length > 0)
    log("Content-Length: field exceeds actual length by " + std::to_string(length) + " bytes\n");
}

// A new message starts: finish this one, start the next program.
Formatter::Next Formatter::split_here() {
  if (!last_line_empty_) lput("\n");
  log_folder();
  if (!close_output()) {
    write_failed_ = true;
    if (!o_.quiet) log("Couldn't write to stdout, continuing...\n");
  }
  if (!o_.no_wait && programs_.has_command()) {
    const std::optional<int> status = programs_.wait_last();
    if (status && *status != 0 && status_ == 0) status_ = *status;
  }
  if (o_.total == 0) return Next::kStopSplitting;
  start_program();
  return Next::kNextMessage;
}

int Formatter::run() {
  std::signal(SIGPIPE, SIG_IGN);
  if (o_.babyl) {
    // The BABYL file's leader: up to a line "\037\f", and the line after it.
    for (;;) {
      int c = input_.get();
      if (c == Input::kEnd) break;
      if (c == kBabylSeparator && (c = input_.get()) == '\f' && (c = input_.get()) == '\n') break;
      while (c != '\n' && c != Input::kEnd) c = input_.get();
      if (c == Input::kEnd) break;
    }
    int c;
    while ((c = input_.get()) != '\n' && c != Input::kEnd) {
    }
  }
  while ((last_ = input_.get()) == '\n') {
  }
  if (o_.split) {
    if (last_ == Input::kEnd) return 0;
    programs_.read_fileno();
    original_stdout_ = ::fcntl(1, F_DUPFD_CLOEXEC, 3);
    if (o_.total == 0) return kIoError;  // formail closes its closed output here, and fails
    start_program();
    if (o_.min_fields == 0) o_.min_fields = 2;
  } else {
    if (o_.skip > 0 || o_.total >= 0 || o_.every || o_.digest || o_.min_fields != 0 || o_.no_wait)
      return usage();
    out_.open(1);
  }
  const bool extracting = !o_.extract.empty() || !o_.extract_keep.empty();
  if ((extracting && o_.log_folder) || (o_.keep_body && !(o_.reply || extracting))) return usage();
  if (o_.header_reply == 2) {
    log("Invalid field-name: \"Resent-\"\n");
    return usage();
  }
  if (o_.reply) o_.rename_insert.push_back(make_field("X-Loop:", false));

  if (!read_field()) {
    if (o_.digest && article_header())
      while (read_field()) {
      }
  } else {
    while (read_field()) {
    }
  }
  for (;;) {
    const Next next = format_message();
    if (next == Next::kNextMessage) {
      while (read_field()) {
      }
      continue;
    }
    if (next != Next::kStopSplitting && !close_output()) {
      if (!o_.quiet) log("Couldn't write to stdout\n");
      return kIoError;
    }
    break;
  }
  if (o_.split) {
    input_.close();
    while (const std::optional<int> status = programs_.wait_any())
      if (status_ == 0 && *status != 0) status_ = *status;
  }
  if (status_ < 0) status_ = kUnavailable;
  return status_ != 0 ? status_ : write_failed_ ? kIoError : 0;
}

}  // namespace

int run_formail(const std::string& program, Options options) {
  Formatter formatter(program, std::move(options));
  return formatter.run();
}

}  // namespace mailsift::formail
