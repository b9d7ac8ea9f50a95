: print-args ( -- )
  argc @ 1 ?do
    i 1 > if space then
    i arg type
  loop cr ;
print-args bye
