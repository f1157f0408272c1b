#include "mailsift/engine/duplicates.h"

#include "mailsift/limits.h"
#include "mailsift/message/mime/encoded_words.h"
#include "mailsift/state/journal.h"

namespace mailsift::engine {

std::string duplicate_id(const message::Message& message, const Variables& variables) {
  if (const auto id = variables.get("DUPLICATE_ID"); id && !id->empty()) return *id;
  std::string field = variables.get_or("DUPLICATE_HEADER", "");
  if (field.empty()) field = "Message-ID";
  const auto fields = message.headers().find_all(field);
  return fields.empty() ? std::string() : message::mime::unfolded_value(fields.front()->value);
}

state::DuplicateTable* DuplicateTests::table(const std::string& handle,
                                             const Variables& variables) {
  if (auto it = tables_.find(handle); it != tables_.end()) return it->second.get();
  std::string directory = variables.get_or("MAILSIFT_DUPLICATES", "");
  if (directory == "no" || directory == "off") return nullptr;
  if (directory.empty() || directory == "yes" || directory == "on")
    directory = variables.get_or("HOME", "") + "/.mailsift/duplicates";
  if (!dry_run_ && state::make_state_directory(io_, directory) != 0) {
    failed(handle, sys::Status::error(sys::Step::kMkdir, errno, directory));
    return nullptr;
  }
  auto made = std::make_unique<state::DuplicateTable>(io_, directory + "/" + handle + ".table");
  return tables_.emplace(handle, std::move(made)).first->second.get();
}

void DuplicateTests::failed(const std::string& handle, const sys::Status& status) {
  log_.line("Duplicate test \"duplicate." + handle + "\": " + status.message() +
            "; the message is taken as new");
}

std::string DuplicateTests::line(const std::string& handle, const message::Message& message,
                                 const Variables& variables) {
  const std::string id = duplicate_id(message, variables);
  if (id.empty()) return "new";  // no id: never a duplicate
  const state::DuplicateDigest digest =
      state::duplicate_digest(handle, recipient_ + std::string(1, '\0') + id);
  const auto known = answers_.find({handle, digest});
  if (known != answers_.end()) return known->second ? "duplicate" : "new";

  long seconds = limits::kDuplicateDefaultSeconds;
  if (const auto setting = variables.get("DUPLICATE_SECONDS"); setting && !setting->empty()) {
    seconds = parse_number_or_boolean(*setting, -1);
    if (seconds < 1) {
      log_.line("DUPLICATE_SECONDS=\"" + *setting + "\" is not a number of seconds; " +
                std::to_string(limits::kDuplicateDefaultSeconds) + " it is");
      seconds = limits::kDuplicateDefaultSeconds;
    }
  }
  state::DuplicateTable* store = table(handle, variables);
  bool seen = false;
  if (store != nullptr) {
    const bool last = parse_number_or_boolean(variables.get_or("DUPLICATE_LAST", ""), 0) > 0;
    const sys::Status status =
        dry_run_ || in_clone_
            ? store->peek(digest, io_.now(), seconds, &seen)
            : store->claim(digest, seconds, limits::kDuplicateWaitMilliseconds, &seen, last);
    if (!status.ok()) {
      failed(handle, status);
      seen = false;
    }
  }
  answers_[{handle, digest}] = seen;
  return seen ? "duplicate" : "new";
}

void DuplicateTests::finish(bool delivered) {
  if (dry_run_ || in_clone_) return;
  const time_t now = io_.now();
  for (auto& [handle, store] : tables_) {
    if (sys::Status status = store->finish(delivered, now); !status.ok())
      log_.line("Duplicate test \"duplicate." + handle + "\": couldn't record the message: " +
                status.message());
  }
}

void DuplicateTests::enter_clone() {
  in_clone_ = true;
  for (auto& [handle, store] : tables_) store->forget();
}

}  // namespace mailsift::engine
