// Which three-byte sequences a text holds, as a 64 Kibit filter: a literal with a
// sequence the filter lacks is certainly not in the text, at the cost of a few bit
// tests instead of a scan. A header searched by hundreds of conditions is indexed
// once (engine/conditions.cc); rc::Regex::search consults the index before it scans
// for a regex's required literals.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace mailsift::rc {

class TextIndex {
 public:
  // Indexes text, which must outlive the index (it is only remembered, not copied).
  explicit TextIndex(std::string_view text);

  // Whether the index is the one of area (the same bytes at the same address).
  bool covers(std::string_view area) const {
    return area.data() == text_.data() && area.size() == text_.size();
  }
  // False only when the text certainly does not hold literal, in any case of its
  // ASCII letters (a filter: true may still be a miss).
  bool may_hold(std::string_view literal) const;

 private:
  static constexpr std::size_t kBits = std::size_t{1} << 16;
  std::string_view text_;
  std::array<std::uint64_t, kBits / 64> bits_{};
};

}  // namespace mailsift::rc
