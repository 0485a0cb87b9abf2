# `trkx simulate --no-charged-decays` reaches the propagator: the same seed with and
# without the flag gives different particles (with decays in flight every charged pion
# and kaon draws a decay length, and some decay into listed daughters).
file(REMOVE_RECURSE ${OUT})
foreach(variant decays no_decays)
  set(flag "")
  if(variant STREQUAL "no_decays")
    set(flag "--no-charged-decays")
  endif()
  execute_process(
    COMMAND ${TRKX} simulate --events 1 --pileup 10 --seed 3 --threads 1 --out ${OUT}/${variant} ${flag}
    RESULT_VARIABLE rc ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "trkx simulate ${flag} failed (${rc}): ${err}")
  endif()
endforeach()
set(particles event000000000-particles.csv)
execute_process(COMMAND ${CMAKE_COMMAND} -E compare_files ${OUT}/decays/${particles} ${OUT}/no_decays/${particles}
                RESULT_VARIABLE diff)
if(diff EQUAL 0)
  message(FATAL_ERROR "--no-charged-decays has no effect: ${particles} is identical")
endif()
file(REMOVE_RECURSE ${OUT})
