#include "mailsift/deliver/dev_null.h"

namespace mailsift::deliver {

// Discarding is a deliberate delivery: it succeeds without touching the disk.
// bytes_written is what procmail would have written to /dev/null (the chosen part,
// raw: no quoting, no added newline), for the log abstract.
sys::Status DevNullFolder::deliver(sys::Io& /*io*/, const message::Message& message,
                                   const DeliveryOptions& options, DeliveryReport* report) {
  switch (options.part) {
    case Part::kWhole: report->bytes_written = message.size(); break;
    case Part::kHeaderOnly: report->bytes_written = message.head().size(); break;
    case Part::kBodyOnly: report->bytes_written = message.body().size(); break;
  }
  report->stored.push_back("/dev/null");
  return sys::Status::ok_status();
}

}  // namespace mailsift::deliver
