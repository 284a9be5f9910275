#!/usr/bin/env bash
# Passes `dotnet test` output through and ends with one closing line over all test projects:
#   "tests: N passed, N failed, N skipped"
# The exit status stays dotnet test's (the Makefile runs this under pipefail).
set -uo pipefail
passed=0 failed=0 skipped=0
while IFS= read -r line; do
  printf '%s\n' "$line"
  if [[ $line =~ (Passed|Failed)!\ +-\ +Failed:\ +([0-9]+),\ +Passed:\ +([0-9]+),\ +Skipped:\ +([0-9]+) ]]; then
    failed=$((failed + BASH_REMATCH[2])); passed=$((passed + BASH_REMATCH[3])); skipped=$((skipped + BASH_REMATCH[4]))
  fi
done
echo
echo "tests: ${passed} passed, ${failed} failed, ${skipped} skipped"
