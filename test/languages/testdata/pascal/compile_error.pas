program Broken;
var
  x: Integer;
begin
  WriteLn('SHOULD-NOT-RUN');
  x := 'not an int';
  WriteLn(x);
end.
