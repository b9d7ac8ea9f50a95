program Echo;
uses SysUtils;
var
  buf: array[0..4095] of Byte;
  n: LongInt;
begin
  repeat
    n := FileRead(0, buf, SizeOf(buf));
    if n > 0 then
      FileWrite(1, buf, n);
  until n <= 0;
end.
