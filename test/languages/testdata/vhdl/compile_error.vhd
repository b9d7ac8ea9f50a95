entity broken is
end entity broken;

architecture behaviour of broken is
begin
  process
  begin
    report "SHOULD-NOT-RUN";
    undeclared_signal <= '1';
    wait;
  end process;
end architecture behaviour;
