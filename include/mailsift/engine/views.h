// The lines of a view (rc/views.h) for one message, computed on first use and kept
// until the message changes (a filter), so that a view tested by many conditions is
// computed once. Nothing is computed for an rcfile that tests no view, and a view
// computes only what it needs: header and address views read the header fields,
// never the body.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "mailsift/engine/mime_views.h"
#include "mailsift/message/message.h"
#include "mailsift/rc/views.h"

namespace mailsift::engine {

// A view's lines for a message: each free of newlines (a decoded newline in a field
// is shown as a blank, so that one field is one line). The mime views are computed by
// `mime` (which keeps what it walked and decoded for the next mime view).
std::vector<std::string> view_lines(const rc::View& view, const message::Message& message,
                                    MimeViews* mime = nullptr,
                                    const MimeViewEnvironment& environment = {});

class ViewCache {
 public:
  // The view's lines joined by newlines: the text a "view ??" condition searches,
  // as "VAR ??" searches a variable's value. Valid until clear().
  const std::string& text(const rc::View& view, const message::Message& message,
                          const MimeViewEnvironment& environment = {});
  void clear() {
    texts_.clear();
    mime_ = MimeViews();
  }

 private:
  std::map<std::string, std::string> texts_;
  MimeViews mime_;
};

}  // namespace mailsift::engine
