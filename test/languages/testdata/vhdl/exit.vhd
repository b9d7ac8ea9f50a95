-- std.env.finish (VHDL-2008) ends the simulation with the given status.
entity exit3 is
end entity exit3;

architecture behaviour of exit3 is
begin
  process
  begin
    std.env.finish(3);
    wait;
  end process;
end architecture behaviour;
