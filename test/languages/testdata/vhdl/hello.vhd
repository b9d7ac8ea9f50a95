use std.textio.all;

entity hello is
end entity hello;

architecture behaviour of hello is
begin
  process
    variable l : line;
  begin
    write(l, string'("Hello, World!"));
    writeline(output, l);
    wait;
  end process;
end architecture behaviour;
