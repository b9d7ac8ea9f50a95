program Args;
var
  i: Integer;
begin
  for i := 1 to ParamCount do
  begin
    if i > 1 then Write(' ');
    Write(ParamStr(i));
  end;
  WriteLn;
end.
