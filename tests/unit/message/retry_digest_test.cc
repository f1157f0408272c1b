#include "mailsift/message/retry_digest.h"

#include <gtest/gtest.h>

#include <string>

#include "parsed_message.h"
#include "temp_dir.h"

namespace mailsift::message {
namespace {

const std::string kBase =
    "From alice@example.org  Fri Dec  4 09:00:00 2026\n"
    "Return-Path: <alice@example.org>\n"
    "Delivery-date: Fri, 04 Dec 2026 09:00:00 +0000\n"
    "Received: from a by b with ESMTP id 1x2y3z; Fri, 04 Dec 2026 08:59:58 +0000\n"
    "Subject: hello\n"
    "\n"
    "body\n";

std::string digest(const std::string& bytes, const std::string& recipient = "bob") {
  return retry_digest(sys::real_io(), testing::parse(bytes), recipient);
}

std::string replaced(std::string text, const std::string& from, const std::string& to) {
  const std::size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  return text.replace(at, from.size(), to);
}

// What a mail server writes afresh at each attempt does not count.
TEST(RetryDigest, WhatTheServerRewritesPerAttemptIsLeftOut) {
  const std::string want = digest(kBase);
  EXPECT_EQ(want.size(), 32u);
  EXPECT_EQ(digest(replaced(kBase, "Fri Dec  4 09:00:00 2026", "Sat Dec  5 11:30:00 2026")), want);
  EXPECT_EQ(digest(replaced(kBase, "Delivery-date: Fri, 04 Dec 2026 09:00:00 +0000",
                            "delivery-DATE: Sat, 05 Dec 2026 11:30:00 +0000\n\tfolded")),
            want);
  EXPECT_EQ(digest(replaced(kBase, "Delivery-date: Fri, 04 Dec 2026 09:00:00 +0000\n", "")),
            want);
}

// Everything else is the message: any other byte, the sender, the recipient.
TEST(RetryDigest, AnythingElseIsAnotherMessage) {
  const std::string base = digest(kBase);
  const std::string others[] = {
      replaced(kBase, "Subject: hello", "Subject: hellO"),
      replaced(kBase, "body\n", "body \n"),
      replaced(kBase, "From alice@example.org  Fri", "From mallory@example.org  Fri"),
      replaced(kBase, "id 1x2y3z", "id 1x2y3y"),
      kBase + "\n",
      "\n" + kBase,
  };
  for (const auto& other : others) EXPECT_NE(digest(other), base) << other;
  EXPECT_NE(digest(kBase, "carol"), base);
  EXPECT_NE(digest(kBase, std::string("bob\0detail", 10)), base);
}

// The digest is pinned: a retry may be run by a newer mailsift than the attempt
// that named its journal. Delivery-date fields first, between others, last, in a
// row, and folded are all left out the same way.
TEST(RetryDigest, IsPinned) {
  EXPECT_EQ(digest(kBase), "40b7a04b573beb35fea742e2e4e299d3");
  const std::string many =
      "From alice@example.org  Fri Dec  4 09:00:00 2026\n"
      "Delivery-date: Fri, 04 Dec 2026 09:00:00 +0000\n"
      "Return-Path: <alice@example.org>\n"
      "Delivery-Date: one\n\tfolded\n"
      "delivery-date: two\n"
      "Received: from a by b\n\twith ESMTP\n"
      "Subject: hello\n"
      "Delivery-date: last\n"
      "\n"
      "body\n";
  EXPECT_EQ(digest(many), "ab9dfdb562765a4fd858ff61248415a7");
  EXPECT_EQ(digest(many), digest("From alice@example.org  Fri Dec  4 09:00:00 2026\n"
                                 "Return-Path: <alice@example.org>\n"
                                 "Received: from a by b\n\twith ESMTP\n"
                                 "Subject: hello\n"
                                 "\n"
                                 "body\n"));
}

// A spooled body gives the digest of the same bytes in memory.
TEST(RetryDigest, SpooledBodyGivesTheSameDigest) {
  testing::TempDir dir;
  std::string big = kBase;
  for (int i = 0; i < 40000; ++i) big += "line " + std::to_string(i) + " of a long body\n";
  EXPECT_EQ(retry_digest(sys::real_io(), testing::parse_spooled(big, dir.path()), "bob"),
            digest(big));
}

}  // namespace
}  // namespace mailsift::message
