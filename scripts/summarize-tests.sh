#!/usr/bin/env bash
# Passes `dotnet test` output through and ends with the failing tests again (name and error message, without stack
# traces) and one closing line over all test projects:
#   "tests: N passed, N failed, N skipped"
# so that the last lines of a long log (all a CI page may show) say what failed. The exit status stays dotnet test's
# (the Makefile runs this under pipefail).
set -uo pipefail
passed=0 failed=0 skipped=0
failures=() capturing=0 captured=0
while IFS= read -r line; do
  printf '%s\n' "$line"
  if [[ $line =~ (Passed|Failed)!\ +-\ +Failed:\ +([0-9]+),\ +Passed:\ +([0-9]+),\ +Skipped:\ +([0-9]+) ]]; then
    failed=$((failed + BASH_REMATCH[2])); passed=$((passed + BASH_REMATCH[3])); skipped=$((skipped + BASH_REMATCH[4]))
  fi
  # A failure block: "  Failed <test> [time]", "  Error Message:", the message (its later lines may start in column
  # one), "  Stack Trace:" (not kept); at most 12 lines of it.
  if [[ $line =~ ^\ +Failed\ [A-Za-z_].*\ \[ ]]; then
    capturing=1 captured=0
  elif [[ $capturing -eq 1 && ( $line =~ ^\ +Stack\ Trace: || $line =~ ^\ +(Passed|Skipped)\  || $line =~ ^(Passed!|Failed!|Test\ run\ for|A\ total\ of) ) ]]; then
    capturing=0
  fi
  if [[ $capturing -eq 1 && $captured -lt 12 ]]; then
    failures+=("$line"); captured=$((captured + 1))
  fi
done
echo
if [[ ${#failures[@]} -gt 0 ]]; then
  echo "failing tests (again, without stack traces):"
  printf '%s\n' "${failures[@]}"
  echo
fi
echo "tests: ${passed} passed, ${failed} failed, ${skipped} skipped"
