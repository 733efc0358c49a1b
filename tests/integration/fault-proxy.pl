#!/usr/bin/perl
# A loopback TCP proxy that injects one network fault, for the fault suite.
#   fault-proxy.pl LISTEN_PORT TARGET_PORT MODE BYTES STATE_FILE
# MODE cut:   the first connection to carry more than BYTES from the target
#             to the client is closed (both sides) mid-stream;
# MODE stall: that connection stops being forwarded (kept open, silent).
# Later connections pass untouched. When the fault fires, STATE_FILE gets
# the line "fired". Ends on SIGTERM.
use strict;
use warnings;
use IO::Socket::INET;
use IO::Select;

my ($listen_port, $target_port, $mode, $limit, $state) = @ARGV;
die "usage: $0 LISTEN TARGET cut|stall BYTES STATE\n" unless defined $state && $mode =~ /^(cut|stall)$/;
my $server = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => $listen_port, Listen => 16,
                                   ReuseAddr => 1) or die "listen $listen_port: $!\n";
my $sel = IO::Select->new($server);
my %peer;      # socket -> its other end
my %down;      # client socket -> bytes sent to it from the target
my %is_target; # target sockets
my %frozen;    # sockets no longer forwarded
my $fired = 0;
$SIG{TERM} = sub { exit 0 };

sub close_pair {
  my ($s) = @_;
  my $o = delete $peer{$s};
  for my $x ($s, $o) {
    next unless $x;
    $sel->remove($x);
    delete $peer{$x};
    delete $down{$x};
    delete $is_target{$x};
    close $x;
  }
}

while (1) {
  for my $s ($sel->can_read(1)) {
    if ($s == $server) {
      my $c = $server->accept or next;
      my $t = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $target_port) or do { close $c; next };
      $peer{$c} = $t;
      $peer{$t} = $c;
      $is_target{$t} = 1;
      $down{$c} = 0;
      $sel->add($c, $t);
      next;
    }
    next if $frozen{$s};
    my $n = sysread($s, my $buf, 65536);
    if (!$n) { close_pair($s); next; }
    my $o = $peer{$s} or next;
    if ($is_target{$s} && !$fired) {
      $down{$o} += $n;
      if ($down{$o} > $limit) {
        $fired = 1;
        if (open(my $f, '>', $state)) { print $f "fired\n"; close $f; }
        if ($mode eq 'cut') { close_pair($s); next; }
        $frozen{$s} = $frozen{$o} = 1;
        $sel->remove($s, $o);
        next;
      }
    }
    my $off = 0;
    while ($off < $n) {
      my $w = syswrite($o, $buf, $n - $off, $off);
      if (!defined $w) { close_pair($s); last; }
      $off += $w;
    }
  }
}
