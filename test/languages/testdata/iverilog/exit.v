module exit3;
  initial $finish_and_return(3);
endmodule
