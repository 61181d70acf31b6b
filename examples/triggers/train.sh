#!/bin/sh
# A stand-in for training: the "model" is the number of rows and the total of the features.
mkdir -p "$(dirname "$2")"
awk -F, '{ rows += $2; total += $3 } END { print "rows=" rows " total=" total }' "$1" > "$2"
cat "$2"
